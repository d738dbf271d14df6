import random
from datetime import UTC, datetime, timedelta, timezone

from shared.domain.timestamps import utc_iso


def test_utc_iso_is_fixed_width_utc_with_microseconds_and_z() -> None:
    rng = random.Random(7)
    for _ in range(2_000):
        instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(4_000_000_000),
            microseconds=rng.choice([0, 1, 999_999, rng.randrange(1_000_000)]),
        )
        local = instant.astimezone(timezone(timedelta(minutes=rng.randrange(-720, 841, 15))))
        assert utc_iso(local) == instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert utc_iso(datetime(2026, 11, 29, 23, 0, 5, tzinfo=UTC)) == "2026-11-29T23:00:05.000000Z"
