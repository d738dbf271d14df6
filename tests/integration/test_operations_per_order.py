"""Document-store operations one order costs, counted at the port every backend implements.

The counts are the order's Cosmos DB round trips (tests/integration/order_operations.py says
why). They are pinned here and stated in docs/performance.md; a change that adds a round trip
shows up here first.
"""

from collections import Counter
from pathlib import Path

import pytest

from tests.integration.order_operations import by_kind, count_one_order

# What docs/performance.md states: point operations (reads, creates, replaces) and queries.
SUBMIT = Counter({"read carts": 1, "replace carts": 2})  # flag + outbox entry, then mark sent
# The message carries the order as accepted: the handler reads no cart, it only creates.
HANDLER = Counter({"create orders": 1})
QUERIES_PER_ORDER = 0
# The most round trips an order may cost, from its submit to its order document (issue 8).
MAX_POINT_OPERATIONS_PER_ORDER = 4
DOCS = Path(__file__).resolve().parents[2] / "docs"


async def test_an_order_costs_at_most_four_point_operations_and_no_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = await count_one_order(tmp_path, monkeypatch)

    per_order = counted.submit + counted.handler
    assert sum(n for op, n in per_order.items() if op.startswith("query")) == QUERIES_PER_ORDER
    assert sum(per_order.values()) <= MAX_POINT_OPERATIONS_PER_ORDER
    assert counted.submit == SUBMIT
    assert counted.handler == HANDLER
    assert documented_rows() == {
        "submit": by_kind(counted.submit),
        "order handler": by_kind(counted.handler),
        "per order": by_kind(per_order),
    }


def documented_rows() -> dict[str, tuple[int, int, int, int]]:
    """The round-trip table of docs/performance.md, by the step's first words."""
    text = (DOCS / "performance.md").read_text(encoding="utf-8")
    section = text.split("## Cosmos DB round trips per order", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[int, int, int, int]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 5 and cells[1].isdigit():
            step = cells[0].split(" (")[0]
            reads, creates, replaces, queries = (int(cell) for cell in cells[1:])
            rows[step] = (reads, creates, replaces, queries)
    return rows
