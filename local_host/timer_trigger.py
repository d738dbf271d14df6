"""The worker role for a timerTrigger: invoke the function on its schedule.

As on the Functions host, invocations of one timer never overlap: the next occurrence is
computed once an invocation has finished, so occurrences missed meanwhile are skipped, and an
invocation that starts noticeably later than scheduled is told it is past due.
"""

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta

from azure.functions import meta
from azure.functions.timer import TimerRequest, TimerRequestConverter
from croniter import croniter

from local_host.bindings import TimerTrigger
from local_host.function_app import LoadedFunction
from local_host.host_logging import host_logger
from local_host.invocation import invoke

# Late by more than this (a busy event loop, a long previous run) counts as past due.
PAST_DUE_TOLERANCE = timedelta(seconds=1)

log = host_logger("timer")


class TimerRunner:
    def __init__(self, function: LoadedFunction, function_timeout: timedelta) -> None:
        trigger = function.definition.trigger
        assert isinstance(trigger, TimerTrigger)
        self._function = function
        self._trigger = trigger
        self._function_timeout = function_timeout
        self._stopping = asyncio.Event()
        self._last: datetime | None = None

    async def run(self) -> None:
        """Invoke on schedule until stop() is called; a running invocation is awaited."""
        due = next_occurrence(self._trigger.schedule, datetime.now(UTC))
        while not self._stopping.is_set():
            wait = (due - datetime.now(UTC)).total_seconds()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), wait)
                continue
            await self._fire(due, past_due=datetime.now(UTC) - due > PAST_DUE_TOLERANCE)
            due = next_occurrence(self._trigger.schedule, max(datetime.now(UTC), due))

    def stop(self) -> None:
        self._stopping.set()

    async def _fire(self, scheduled: datetime, *, past_due: bool) -> None:
        following = next_occurrence(self._trigger.schedule, max(datetime.now(UTC), scheduled))
        request = timer_request(
            past_due=past_due,
            schedule_status={
                "Last": (self._last or scheduled).isoformat(),
                "Next": following.isoformat(),
                "LastUpdated": datetime.now(UTC).isoformat(),
            },
        )
        self._last = scheduled
        # invoke() logs a failure; the next occurrence runs as scheduled all the same.
        with contextlib.suppress(Exception):
            await invoke(
                self._function,
                {self._trigger.binding_name: request},
                f"Timer fired at {datetime.now(UTC).isoformat()}",
                time_limit=self._function_timeout,
            )


def next_occurrence(schedule: str, moment: datetime) -> datetime:
    """The NCRONTAB schedule's first occurrence after ``moment``, in UTC as on the host."""
    following: datetime = croniter(schedule, moment, second_at_beginning=True).get_next(datetime)
    return following.astimezone(UTC)


def timer_request(*, past_due: bool, schedule_status: dict[str, str]) -> TimerRequest:
    """The TimerInfo the host sends (JSON), decoded by the converter the Python worker uses."""
    info = {
        "Schedule": {"AdjustForDST": True},
        "ScheduleStatus": schedule_status,
        "IsPastDue": past_due,
    }
    decoded = TimerRequestConverter.decode(
        meta.Datum(json.dumps(info), "json"), trigger_metadata={}
    )
    assert isinstance(decoded, TimerRequest)
    return decoded
