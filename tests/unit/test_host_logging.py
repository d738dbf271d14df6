"""The host's log handler: lines written at once, flushed once per turn of the event loop."""

import asyncio
import io
import logging

from local_host.host_logging import HostFormatter, LoopFlushedHandler


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0
        self.flushed_text = ""

    def flush(self) -> None:
        self.flushes += 1
        self.flushed_text = self.getvalue()


def logger_to(stream: CountingStream) -> logging.Logger:
    handler = LoopFlushedHandler(stream)
    handler.setFormatter(HostFormatter())
    logger = logging.Logger("test-host-logging")
    logger.addHandler(handler)
    return logger


def test_lines_logged_in_one_turn_of_the_loop_are_flushed_once_at_its_end() -> None:
    stream = CountingStream()
    log = logger_to(stream)

    async def invocations() -> None:
        log.warning("Executing 'Functions.A'")
        log.warning("Executed 'Functions.A'")
        assert stream.flushes == 0
        await asyncio.sleep(0)  # the rest of this turn, then the next
        assert stream.flushes == 1
        assert stream.flushed_text.count("Executed") == 1

    asyncio.run(invocations())


def test_a_line_logged_off_the_loop_is_flushed_at_once() -> None:
    stream = CountingStream()
    logger_to(stream).warning("from a thread")
    assert stream.flushes == 1
    assert "from a thread" in stream.flushed_text


def test_a_loop_that_stopped_before_its_flush_leaves_the_next_loop_to_flush() -> None:
    stream = CountingStream()
    log = logger_to(stream)
    loop = asyncio.new_event_loop()
    loop.call_soon(log.warning, "last line of a loop")  # schedules the flush behind stop()
    loop.call_soon(loop.stop)
    loop.run_forever()
    loop.close()
    assert stream.flushes == 0

    async def log_again() -> None:
        log.warning("first line of the next")

    asyncio.run(log_again())
    assert "last line of a loop" in stream.flushed_text
    assert "first line of the next" in stream.flushed_text
