"""Running one function invocation, with the host's "Executing"/"Executed" log lines."""

import asyncio
import time
import uuid
from collections.abc import Mapping
from typing import Any

from local_host.context import InvocationContext
from local_host.function_app import CONTEXT_PARAMETER, LoadedFunction
from local_host.host_logging import host_logger

HTTP_REASON = "This function was programmatically called via the host APIs."

log = host_logger("invocation")


def service_bus_reason(queue_name: str) -> str:
    return f"New ServiceBus message detected on '{queue_name}'."


def timer_reason(fired_at: str) -> str:
    return f"Timer fired at {fired_at}"


async def invoke(function: LoadedFunction, arguments: Mapping[str, Any], reason: str) -> Any:
    """Call the entry point and return what it returned; its exception propagates, logged.

    Coroutine functions run on the host's event loop, plain functions in the default thread
    pool, as the Python worker does, so a blocking function does not stall other invocations.
    """
    invocation_id = str(uuid.uuid4())
    qualified = f"Functions.{function.name}"
    log.info("Executing '%s' (Reason='%s', Id=%s)", qualified, reason, invocation_id)
    kwargs = dict(arguments)
    if function.takes_context:
        kwargs[CONTEXT_PARAMETER] = InvocationContext(
            invocation_id, function.name, str(function.definition.directory)
        )
    started = time.perf_counter()
    try:
        if function.is_async:
            result = await function.entry(**kwargs)
        else:
            result = await asyncio.to_thread(function.entry, **kwargs)
    except asyncio.CancelledError:
        log.warning(
            "Executed '%s' (Failed, Id=%s, Duration=%dms): cancelled while the host stopped",
            qualified,
            invocation_id,
            _elapsed_ms(started),
        )
        raise
    except Exception as error:
        log.error(
            "Executed '%s' (Failed, Id=%s, Duration=%dms)",
            qualified,
            invocation_id,
            _elapsed_ms(started),
        )
        log.error(
            "Exception while executing function: %s. Result: Failure",
            qualified,
            exc_info=error,
        )
        raise
    log.info(
        "Executed '%s' (Succeeded, Id=%s, Duration=%dms)",
        qualified,
        invocation_id,
        _elapsed_ms(started),
    )
    return result


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
