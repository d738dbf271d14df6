"""Document-store operations one order costs, counted at the port every backend implements.

Each call of the DocumentStore port is one Cosmos DB request on Azure (a point read, a create,
a replace, or a query), so these counts are the order's Cosmos DB round trips. They are pinned
here and stated in docs/performance.md; a change that adds a round trip shows up here first.
"""

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.adapters.sqlite_queue import SqliteQueue
from shared.ports import DocumentStore, JsonScalar, Page, StoredDocument
from shared.settings import Settings

# What docs/performance.md states: point operations (reads, creates, replaces) and queries.
SUBMIT = Counter({"read carts": 1, "replace carts": 2})  # flag + outbox entry, then mark sent
HANDLER = Counter({"read carts": 1, "create orders": 1})
QUERIES_PER_ORDER = 0
DOCS = Path(__file__).resolve().parents[2] / "docs"


class CountingStore(DocumentStore):
    """Counts each call by operation and container, then passes it on."""

    def __init__(self, inner: DocumentStore) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    async def read(self, container: str, partition_key: str, id: str) -> StoredDocument | None:
        self.calls[f"read {container}"] += 1
        return await self.inner.read(container, partition_key, id)

    async def create(
        self, container: str, partition_key: str, body: Mapping[str, Any]
    ) -> StoredDocument:
        self.calls[f"create {container}"] += 1
        return await self.inner.create(container, partition_key, body)

    async def replace(
        self, container: str, partition_key: str, body: Mapping[str, Any], *, if_match: str
    ) -> StoredDocument:
        self.calls[f"replace {container}"] += 1
        return await self.inner.replace(container, partition_key, body, if_match=if_match)

    async def query(
        self,
        container: str,
        partition_key: str,
        *,
        where: Mapping[str, JsonScalar],
        newest_first_by: str,
        limit: int,
        continuation_token: str | None,
    ) -> Page:
        self.calls[f"query {container}"] += 1
        return await self.inner.query(
            container,
            partition_key,
            where=where,
            newest_first_by=newest_first_by,
            limit=limit,
            continuation_token=continuation_token,
        )

    async def find_across_partitions(
        self,
        container: str,
        *,
        where: Mapping[str, JsonScalar],
        oldest_first_by: str,
        limit: int,
    ) -> list[StoredDocument]:
        self.calls[f"query {container}"] += 1
        return await self.inner.find_across_partitions(
            container, where=where, oldest_first_by=oldest_first_by, limit=limit
        )

    async def close(self) -> None:
        await self.inner.close()


async def test_an_order_costs_five_point_operations_and_no_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = bootstrap.build_document_store
    counting: list[CountingStore] = []

    def build_counting_store(settings: Settings) -> DocumentStore:
        counting.append(CountingStore(real(settings)))
        return counting[0]

    monkeypatch.setattr(bootstrap, "build_document_store", build_counting_store)
    app = bootstrap.build_application(
        Settings(
            {
                "StorageBackend": "sqlite",
                "MessagingBackend": "sqlite",
                "EmbeddedDataDir": str(tmp_path),
                "SubmitOrderQueue": "submit-order",
            }
        )
    )
    store = counting[0]
    try:
        cart = (await app.carts.create_cart("anna")).value
        await app.carts.add_item("anna", cart.id, "ruskie", 2, None)
        store.calls.clear()

        await app.submissions.submit("anna", cart.id, "correlation-1", None)
        at_submit = store.calls.copy()
        store.calls.clear()
        assert isinstance(app.sender, SqliteQueue)
        (message,) = await app.sender.receive()
        await app.submit_order_handler.handle(message.body, delivery_count=1)
        in_handler = store.calls.copy()
    finally:
        await app.close()

    assert at_submit == SUBMIT
    assert in_handler == HANDLER
    per_order = at_submit + in_handler
    assert sum(n for op, n in per_order.items() if op.startswith("query")) == QUERIES_PER_ORDER
    assert sum(per_order.values()) == 5
    assert documented_rows() == {
        "submit": by_kind(at_submit),
        "order handler": by_kind(in_handler),
        "per order": by_kind(per_order),
    }


def by_kind(calls: Counter[str]) -> tuple[int, int, int, int]:
    """(point reads, creates, replaces, queries), as the document's table has them."""
    kinds = Counter(operation.split()[0] for operation in calls.elements())
    return (kinds["read"], kinds["create"], kinds["replace"], kinds["query"])


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
