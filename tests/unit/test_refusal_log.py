"""The refusal log: one WARNING line per refused request, no traceback, a budget per minute."""

import logging

from aiohttp.http_exceptions import BadHttpMessage

from local_host.refusal_log import LINES_PER_WINDOW, WINDOW_SECONDS, RefusalLogFilter


def server_error_record(error: Exception) -> logging.LogRecord:
    try:
        raise error
    except Exception as raised:
        return logging.LogRecord(
            "aiohttp.server", logging.ERROR, __file__, 1,
            "Error handling request from %s", ("127.0.0.1",), (type(raised), raised, None),
        )  # fmt: skip


def refused_record() -> logging.LogRecord:
    return server_error_record(BadHttpMessage("Invalid header value char\nwith a second line"))


def test_a_refusal_becomes_one_warning_line_without_the_traceback() -> None:
    record = refused_record()

    assert RefusalLogFilter().filter(record)

    assert record.levelname == "WARNING"
    assert record.exc_info is None
    assert record.getMessage() == (
        "Refused a request from 127.0.0.1: BadHttpMessage"
        " ('400, message: Invalid header value char with a second line')"
    )


def test_an_error_of_the_host_itself_stays_an_error_with_its_traceback() -> None:
    record = server_error_record(KeyError("a bug in the host"))

    assert RefusalLogFilter().filter(record)

    assert record.levelname == "ERROR"
    assert record.exc_info is not None


def test_refusals_past_the_budget_are_counted_and_reported_with_the_next_line() -> None:
    now = [0.0]
    refusals = RefusalLogFilter(clock=lambda: now[0])

    written = [refusals.filter(refused_record()) for _ in range(LINES_PER_WINDOW + 5)]
    now[0] += WINDOW_SECONDS
    record = refused_record()
    next_window = refusals.filter(record)

    assert written.count(True) == LINES_PER_WINDOW
    assert next_window
    assert record.getMessage().endswith("(5 more refusals not logged)")
