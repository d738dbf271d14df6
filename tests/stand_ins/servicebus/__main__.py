"""Run the test broker: ``python -m tests.stand_ins.servicebus --config Config.json``.

It serves the queues of a Service Bus emulator Config.json on 127.0.0.1, on a port the OS
picks (printed on the first line), until it is terminated.
"""

import argparse
from datetime import timedelta
from pathlib import Path

from tests.stand_ins.servicebus.broker import serve
from tests.stand_ins.servicebus.config import read_queues
from tests.stand_ins.servicebus.queue import with_dead_letters

DEFAULT_CONFIG = Path(__file__).parents[3] / "emulators" / "servicebus" / "Config.json"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.stand_ins.servicebus")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument(
        "--lock-duration-seconds", type=float, help="override every queue's LockDuration"
    )
    arguments = parser.parse_args()
    lock = arguments.lock_duration_seconds
    declared = read_queues(arguments.config, timedelta(seconds=lock) if lock else None)
    serve({name: with_dead_letters(name, properties) for name, properties in declared.items()})


if __name__ == "__main__":
    main()
