"""A short run of ``make bench`` keeps it working; it asserts what was measured, never how fast."""

from tests.bench.__main__ import run
from tests.bench.app_runs import Sizes
from tests.bench.load import LoadResult
from tests.bench.report import References, rows

TINY = Sizes(orders=12, seconds=0.5, one_at_a_time=3, import_runs=1)


async def test_the_bench_measures_every_row_of_its_table() -> None:
    table = await run(None, TINY)

    body = table.split("\n\n")[0].splitlines()[2:]
    labels = [row.label for row in rows(_any_references())]
    assert [line.split("|")[1].strip() for line in body] == labels
    measured = [line.split("|")[2].strip() for line in body]
    assert "-" not in measured, table


def _any_references() -> References:
    nothing = LoadResult(0, 1.0, 0, 0.0, 0.0, None)
    return References(nothing, nothing, nothing, {"FULL": 0.0}, "FULL")
