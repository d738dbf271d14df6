"""One short, rate-limited WARNING line for each request the HTTP server refuses.

aiohttp logs every request its parser refuses (and every body that fails to decode while it
drains it) as an ERROR with a full traceback. Those are the client's mistakes, not the host's,
and a client that sends garbage could otherwise fill the log cheaply: each becomes one WARNING
line without the traceback, and past a budget per minute they are counted, not written. Any
other error aiohttp's server logs is the host's own bug and stays an ERROR with its traceback.
"""

import logging
import time
from collections.abc import Callable

from aiohttp.http_exceptions import HttpProcessingError

from local_host.host_logging import host_logger

# At most this many refusal lines per window; the rest are counted and reported with the next.
LINES_PER_WINDOW = 10
WINDOW_SECONDS = 60.0
MAX_DETAIL_CHARACTERS = 160


class RefusalLogFilter(logging.Filter):
    """Rewrites aiohttp's server log records in place; drops those over the budget."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._window_start = clock()
        self._written = 0
        self._suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        # The parser's and the body decoder's errors: what the client sent, not what the host did.
        error = record.exc_info[1] if record.exc_info else None
        if record.levelno < logging.WARNING or not isinstance(error, HttpProcessingError):
            return True
        now = self._clock()
        if now - self._window_start >= WINDOW_SECONDS:
            self._window_start, self._written = now, 0
        if self._written >= LINES_PER_WINDOW:
            self._suppressed += 1
            return False
        self._written += 1
        record.msg, record.args = _one_line(record, error), None
        if self._suppressed:
            record.msg += f" ({self._suppressed} more refusals not logged)"
            self._suppressed = 0
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True


def _one_line(record: logging.LogRecord, error: HttpProcessingError) -> str:
    reason = type(error).__name__
    detail = " ".join(str(error).split())
    if len(detail) > MAX_DETAIL_CHARACTERS:
        detail = detail[: MAX_DETAIL_CHARACTERS - 3] + "..."
    what = record.getMessage().replace("Error handling request", "Refused a request")
    return f"{what}: {reason}" + (f" ({detail!a})" if detail else "")


def refusal_logger() -> logging.Logger:
    """The logger to hand aiohttp's server, with the filter on it."""
    logger = host_logger("http.refused")
    if not any(isinstance(f, RefusalLogFilter) for f in logger.filters):
        logger.addFilter(RefusalLogFilter())
    return logger
