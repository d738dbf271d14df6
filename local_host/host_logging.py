"""Log output in the style of the Functions host: ``[2024-05-01T10:00:00.123Z] message``."""

import asyncio
import logging
import sys
import time
from typing import TextIO

HOST_LOGGER = "local_host"


class HostFormatter(logging.Formatter):
    """UTC timestamps like the Functions host; the level is shown only when it matters.

    Every invocation writes two lines, so this formats directly rather than through a format
    string, and builds the date and time once per second rather than once per line.
    """

    def __init__(self) -> None:
        super().__init__("[%(asctime)s] %(message)s")
        # The last second formatted and its text, as one tuple: handlers may run on any thread.
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (overrides logging's name)
        second, stamp = self._second
        if int(record.created) != second:
            second = int(record.created)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, stamp)
        return f"{stamp}.{int(record.msecs):03d}Z"

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (overrides logging's name)
        level = f"{record.levelname}: " if record.levelno >= logging.WARNING else ""
        return f"[{record.asctime}] {trace_tag()}{level}{record.message}"


def trace_tag() -> str:
    """``[TraceId=<32 hex>] `` inside a traced invocation (telemetry on), else nothing.

    Formatting runs in the logging call, so the current span is the caller's. OpenTelemetry is
    imported only when telemetry is on; until then no span can exist and nothing is looked up.
    """
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return ""
    context = trace.get_current_span().get_span_context()
    return f"[TraceId={context.trace_id:032x}] " if context.is_valid else ""


class LoopFlushedHandler(logging.StreamHandler[TextIO]):
    """Writes each line at once and flushes them once per turn of the event loop.

    Every invocation logs two lines; a flush per line was a system call each, and each let go
    of the interpreter lock. Lines logged in one turn of the loop now reach the stream in one
    write at its end. Off the loop (a thread, or before the loop runs) a line is flushed at once.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        # The loop a flush is scheduled on; a loop that stopped before running it leaves the
        # lines to the next flush off the loop or on another loop.
        self._scheduled_on: asyncio.AbstractEventLoop | None = None

    def flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            super().flush()
            return
        if self._scheduled_on is not loop:
            self._scheduled_on = loop
            loop.call_soon(self._flush_now)

    def _flush_now(self) -> None:
        self._scheduled_on = None
        super().flush()


def configure_logging(stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """Send host and function logs (root logger, INFO and up) to stdout, flushed each turn of
    the event loop."""
    handler = LoopFlushedHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(HostFormatter())
    logging.basicConfig(handlers=[handler], level=level, force=True)  # replaces any handlers
    # What the Python logging HOWTO's "Optimization" section lists for records nobody reads:
    # the lines show none of the caller's file and line, thread or process, so each record
    # skips looking them up (every invocation logs two).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # The Functions host writes no access log; the "Executing/Executed" lines stand for it.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def host_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"{HOST_LOGGER}.{name}")
