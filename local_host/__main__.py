"""``python -m local_host``: run the function app like `func start`, on the embedded backends."""

import argparse
import asyncio
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from local_host.errors import StartupError
from local_host.host import DEFAULT_SHUTDOWN_SECONDS, HostOptions, Role, run_host
from local_host.host_logging import configure_logging
from local_host.http_connections import ConnectionLimits
from shared.settings import SettingError

# A day: any longer timeout is a typo, and asyncio's timers misbehave near infinity.
MAX_SECONDS = 86_400.0


def parse_args(argv: Sequence[str] | None = None) -> HostOptions:
    parser = argparse.ArgumentParser(
        prog="python -m local_host",
        description="Run the Azure Functions app in this directory on a local host.",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="HTTP port (default: Host.LocalHttpPort of local.settings.json, else 7071; "
        "0 picks a free port)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--role",
        choices=[role.value for role in Role],
        default=Role.ALL.value,
        help="all: HTTP and triggers in one process; web: HTTP only; worker: triggers only",
    )
    parser.add_argument("--app-dir", type=Path, default=Path("."), help="the function app folder")
    parser.add_argument(
        "--shutdown-timeout",
        type=float,
        default=DEFAULT_SHUTDOWN_SECONDS,
        help="seconds a stop waits for running invocations (default 30)",
    )
    defaults = ConnectionLimits()
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=defaults.idle_timeout,
        help="seconds a connection may wait for a request's headers, or idle between "
        f"requests (default {defaults.idle_timeout:g})",
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=defaults.body_timeout,
        help=f"seconds a request body may take to arrive (default {defaults.body_timeout:g})",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=defaults.max_connections,
        help=f"open connections at most (default {defaults.max_connections})",
    )
    args = parser.parse_args(argv)
    if args.port is not None and not 0 <= args.port <= 65535:
        parser.error("--port must be 0 to 65535")
    for name in ("shutdown_timeout", "idle_timeout", "body_timeout"):
        if not 0 < getattr(args, name) <= MAX_SECONDS:
            parser.error(
                f"--{name.replace('_', '-')} must be more than 0 and at most {MAX_SECONDS}"
            )
    if args.max_connections < 1:
        parser.error("--max-connections must be at least 1")
    return HostOptions(
        app_dir=args.app_dir,
        host=args.host,
        port=args.port,
        role=Role(args.role),
        shutdown_timeout=args.shutdown_timeout,
        limits=ConnectionLimits(
            idle_timeout=args.idle_timeout,
            body_timeout=args.body_timeout,
            max_connections=args.max_connections,
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    # Into a pipe or file too, whoever watches the output sees each log line at once: the
    # handler flushes at the end of each turn of the event loop (not line by line, which cost
    # a system call per line).
    configure_logging()
    options = parse_args(argv)
    try:
        return asyncio.run(run_host(options))
    except (StartupError, SettingError) as error:
        cause = error.__cause__
        if cause is not None and not isinstance(cause, StartupError | SettingError | OSError):
            # An import error inside a function: its traceback says where.
            traceback.print_exception(cause, file=sys.stderr)
        print(f"Host failed to start: {error}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
