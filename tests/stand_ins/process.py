"""Start a stand-in server as a child process and learn the port the OS gave it.

The server binds 127.0.0.1 on port 0 and prints a line naming its address. Everything it
writes goes to a log file, which is read for that line: no pipe can fill up and stall the
server, and a failing test can point at what the server said.
"""

import re
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

READY_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.05
STOP_TIMEOUT_SECONDS = 5.0
_ADDRESS = re.compile(rb"127\.0\.0\.1:(?P<port>\d+)")


class StandInFailed(RuntimeError):
    """The server exited, or did not announce its address in time."""


@contextmanager
def running_server(command: Sequence[str], log: Path, *, cwd: Path | None = None) -> Iterator[int]:
    """Run ``command`` until the block ends; yields the port it announced."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    try:
        yield _announced_port(process, log)
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _announced_port(process: "subprocess.Popen[bytes]", log: Path) -> int:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        found = _ADDRESS.search(log.read_bytes())
        if found is not None:
            return int(found["port"])
        if process.poll() is not None:
            break
        time.sleep(POLL_SECONDS)
    raise StandInFailed(
        f"{process.args!r} did not announce an address on 127.0.0.1"
        f" (exit code {process.poll()}); its output is in {log}"
    )
