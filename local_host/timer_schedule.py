"""Timer trigger schedules: six-field NCRONTAB (seconds first) or a TimeSpan interval."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter

from local_host.timespan import parse_timespan


class ScheduleError(ValueError):
    """A schedule expression cannot be parsed; the message says why."""


@dataclass(frozen=True)
class Schedule:
    expression: str
    # Exactly one of these is set.
    cron: str | None = None
    interval: timedelta | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment`` (a timezone-aware UTC datetime)."""
        if self.interval is not None:
            return moment + self.interval
        iterator: Any = croniter(self.cron, moment, second_at_beginning=True)
        following = iterator.get_next(datetime)
        if not isinstance(following, datetime):
            raise ScheduleError(f"Schedule '{self.expression}' produced no next occurrence.")
        return following.astimezone(UTC)


def parse_schedule(expression: str) -> Schedule:
    """Parse a timerTrigger ``schedule``; times are UTC, as on the Functions host by default."""
    text = expression.strip()
    interval = parse_timespan(text)
    if interval is not None:
        if interval <= timedelta(0):
            raise ScheduleError(f"Schedule '{expression}' must be a positive interval.")
        return Schedule(expression=expression, interval=interval)
    fields = text.split()
    if len(fields) != 6:
        raise ScheduleError(
            f"Schedule '{expression}' must be a six-field NCRONTAB expression "
            "'{second} {minute} {hour} {day} {month} {day-of-week}' or a TimeSpan such as "
            "00:05:00."
        )
    if not croniter.is_valid(text, second_at_beginning=True):
        raise ScheduleError(f"Schedule '{expression}' is not a valid NCRONTAB expression.")
    return Schedule(expression=expression, cron=text)
