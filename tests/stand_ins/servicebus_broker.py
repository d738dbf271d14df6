"""The Service Bus test broker (tests/stand_ins/servicebus) as a child process.

The SDK reaches it with the connection string the Service Bus emulator uses:
``UseDevelopmentEmulator=true`` makes the SDK speak plain AMQP (no TLS) to the port given in
the endpoint. The key is the emulator's well-known placeholder; the broker accepts any token.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.stand_ins.process import running_server

REPOSITORY = Path(__file__).parents[2]


def connection_string(port: int) -> str:
    return (
        f"Endpoint=sb://127.0.0.1:{port};SharedAccessKeyName=RootManageSharedAccessKey;"
        "SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;"
    )


@contextmanager
def servicebus_broker(log: Path, *, lock_duration_seconds: float | None = None) -> Iterator[str]:
    """Run the broker until the block ends; yields its ``ServiceBusConnection`` string."""
    command = [sys.executable, "-m", "tests.stand_ins.servicebus"]
    if lock_duration_seconds is not None:
        command += ["--lock-duration-seconds", str(lock_duration_seconds)]
    with running_server(command, log, cwd=REPOSITORY) as port:
        yield connection_string(port)
