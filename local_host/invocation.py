"""Running one function invocation, with the host's "Executing"/"Executed" log lines."""

import asyncio
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from local_host.function_app import LoadedFunction
from local_host.host_logging import host_logger
from shared.unique_ids import unique_uuid

HTTP_REASON = "This function was programmatically called via the host APIs."

log = host_logger("invocation")


class FunctionTimeout(Exception):
    """The invocation ran longer than host.json's functionTimeout and was cancelled."""


async def invoke(
    function: LoadedFunction,
    arguments: Mapping[str, Any],
    reason: str,
    *,
    time_limit: timedelta,
) -> Any:
    """Call the entry point and return what it returned; its exception propagates, logged.

    Coroutine functions run on the host's event loop, plain functions in the default thread
    pool, as the Python worker does, so a blocking function does not stall other invocations.
    Past ``time_limit`` (host.json functionTimeout) the invocation fails with FunctionTimeout, as
    on the Functions host; a coroutine is cancelled, a thread cannot be and runs on unheeded.
    """
    invocation_id = unique_uuid()
    qualified = f"Functions.{function.name}"
    log.info("Executing '%s' (Reason='%s', Id=%s)", qualified, reason, invocation_id)
    started = time.perf_counter()
    deadline = asyncio.timeout(time_limit.total_seconds())
    try:
        async with deadline:
            if function.is_async:
                result = await function.entry(**arguments)
            else:
                result = await asyncio.to_thread(function.entry, **arguments)
    except TimeoutError as error:
        if not deadline.expired():
            _log_failure(qualified, invocation_id, started, error)  # the function's own
            raise
        timed_out = FunctionTimeout(
            f"Timeout value of {_timespan(time_limit)} exceeded by function '{qualified}' "
            f"(Id: '{invocation_id}'). Initiating cancellation."
        )
        _log_failure(qualified, invocation_id, started, timed_out)
        raise timed_out from None
    except asyncio.CancelledError:
        log.warning(
            "Executed '%s' (Failed, Id=%s, Duration=%dms): cancelled while the host stopped",
            qualified,
            invocation_id,
            _elapsed_ms(started),
        )
        raise
    except Exception as error:
        _log_failure(qualified, invocation_id, started, error)
        raise
    log.info(
        "Executed '%s' (Succeeded, Id=%s, Duration=%dms)",
        qualified,
        invocation_id,
        _elapsed_ms(started),
    )
    return result


def _log_failure(qualified: str, invocation_id: str, started: float, error: Exception) -> None:
    log.error(
        "Executed '%s' (Failed, Id=%s, Duration=%dms)",
        qualified,
        invocation_id,
        _elapsed_ms(started),
    )
    log.error("Exception while executing function: %s. Result: Failure", qualified, exc_info=error)


def _timespan(value: timedelta) -> str:
    """As .NET writes a TimeSpan under a day (host.json allows no longer): ``00:05:00``."""
    minutes, seconds = divmod(int(value.total_seconds()), 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}"


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
