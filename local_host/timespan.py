""".NET TimeSpan strings ("hh:mm:ss", "d.hh:mm:ss"), as used in host.json and timer schedules."""

import re
from datetime import timedelta

_TIMESPAN = re.compile(
    r"^(?:(?P<days>\d+)\.)?(?P<hours>\d{1,2}):(?P<minutes>\d{1,2})(?::(?P<seconds>\d{1,2})"
    r"(?:\.(?P<fraction>\d{1,7}))?)?$"
)


def parse_timespan(text: str) -> timedelta | None:
    """The duration, or None when the text is not a TimeSpan."""
    match = _TIMESPAN.match(text.strip())
    if match is None:
        return None
    fraction = match["fraction"] or "0"
    return timedelta(
        days=int(match["days"] or 0),
        hours=int(match["hours"]),
        minutes=int(match["minutes"]),
        seconds=int(match["seconds"] or 0),
        microseconds=int(fraction.ljust(7, "0")) // 10,
    )


def format_timespan(value: timedelta) -> str:
    """The duration as .NET writes a TimeSpan: ``00:05:00``, ``1.00:00:00``."""
    whole = int(value.total_seconds())
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{days}.{text}" if days else text
