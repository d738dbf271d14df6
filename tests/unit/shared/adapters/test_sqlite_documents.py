"""What only the embedded document store promises, beyond the backend contract.

The rules it shares with the Cosmos DB store (ids, partition keys, field paths, limits,
tokens, type-exact equality) are tested for every backend in tests/contract.
"""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.document_rules import encode_token, query_fingerprint
from shared.ports import InvalidContinuationToken, PreconditionFailed, StoredDocument

CONTAINER = "carts"
CUSTOMER = "customer-1"
# Carts keep their partition key in "customer", the poison records of this test in "queue".
PARTITION_FIELDS = {CONTAINER: "customer", "poison": "queue"}


@pytest.fixture
def database_path(tmp_path: Path) -> Path:
    # A directory that does not exist yet: the store creates it.
    return tmp_path / "data" / "documents.sqlite3"


@pytest.fixture
async def store(database_path: Path) -> AsyncIterator[SqliteDocumentStore]:
    store = SqliteDocumentStore(database_path, PARTITION_FIELDS)
    yield store
    await store.close()


async def test_concurrent_replaces_with_one_etag_have_exactly_one_winner(
    database_path: Path, store: SqliteDocumentStore
) -> None:
    created = await store.create(
        CONTAINER, CUSTOMER, {"customer": CUSTOMER, "id": "cart-1", "version": 0}
    )
    # Separate stores have separate connections, as separate processes would.
    contenders = [SqliteDocumentStore(database_path, PARTITION_FIELDS) for _ in range(8)]
    try:
        outcomes = await asyncio.gather(
            *(
                contender.replace(
                    CONTAINER,
                    CUSTOMER,
                    {"customer": CUSTOMER, "id": "cart-1", "version": n},
                    if_match=created.etag,
                )
                for n, contender in enumerate(contenders, start=1)
            ),
            return_exceptions=True,
        )
    finally:
        for contender in contenders:
            await contender.close()

    winners = [outcome for outcome in outcomes if isinstance(outcome, StoredDocument)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, PreconditionFailed)]
    assert len(winners) == 1
    assert len(losers) == len(contenders) - 1
    assert await store.read(CONTAINER, CUSTOMER, "cart-1") == winners[0]


async def test_documents_survive_closing_and_reopening_the_file(database_path: Path) -> None:
    first = SqliteDocumentStore(database_path, PARTITION_FIELDS)
    created = await first.create(
        CONTAINER, CUSTOMER, {"customer": CUSTOMER, "id": "cart-1", "items": [1, 2]}
    )
    await first.close()

    reopened = SqliteDocumentStore(database_path, PARTITION_FIELDS)
    try:
        assert await reopened.read(CONTAINER, CUSTOMER, "cart-1") == created
    finally:
        await reopened.close()


async def test_the_file_is_in_wal_mode_for_sharing_between_processes(
    database_path: Path, store: SqliteDocumentStore
) -> None:
    await store.create(CONTAINER, CUSTOMER, {"customer": CUSTOMER, "id": "cart-1"})

    with closing(sqlite3.connect(database_path)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_documents_without_the_sort_field_come_last_and_still_page(
    store: SqliteDocumentStore,
) -> None:
    for body in (
        {"customer": CUSTOMER, "id": "a", "createdAt": "2024-01-01"},
        {"customer": CUSTOMER, "id": "b"},
        {"customer": CUSTOMER, "id": "c", "createdAt": "2024-01-02"},
        {"customer": CUSTOMER, "id": "d"},
    ):
        await store.create(CONTAINER, CUSTOMER, body)

    seen: list[str] = []
    token: str | None = None
    while True:
        page = await store.query(
            CONTAINER,
            CUSTOMER,
            where={},
            newest_first_by="createdAt",
            limit=1,
            continuation_token=token,
        )
        seen += [document.body["id"] for document in page.documents]
        token = page.continuation_token
        if token is None:
            break

    assert seen == ["c", "a", "d", "b"]


async def test_the_schema_indexes_the_outbox_sweep_and_the_partition_queries(
    database_path: Path, store: SqliteDocumentStore
) -> None:
    await store.create(CONTAINER, CUSTOMER, {"customer": CUSTOMER, "id": "cart-1"})

    with closing(sqlite3.connect(database_path)) as connection:
        indexed = {
            row[0]
            for row in connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'documents'"
            )
            if row[0]
        }
    assert any("'$.outbox.status'" in sql for sql in indexed)
    assert any("'$.createdAt'" in sql for sql in indexed)


async def test_a_closed_store_refuses_to_be_used(store: SqliteDocumentStore) -> None:
    await store.close()

    with pytest.raises(RuntimeError, match="closed"):
        await store.read(CONTAINER, CUSTOMER, "cart-1")


@pytest.mark.parametrize("sort_value", [2**64, -(2**63) - 1, float("inf"), True, [1], {"a": 1}])
async def test_a_forged_token_with_an_unbindable_position_is_refused(
    store: SqliteDocumentStore, sort_value: object
) -> None:
    # The token's query fingerprint is computable by anyone; its position must still be checked.
    fingerprint = query_fingerprint(CONTAINER, CUSTOMER, {}, "createdAt")
    forged = encode_token(fingerprint, {"v": sort_value, "id": "z"})
    with pytest.raises(InvalidContinuationToken):
        await store.query(
            CONTAINER,
            CUSTOMER,
            where={},
            newest_first_by="createdAt",
            limit=10,
            continuation_token=forged,
        )


async def test_documents_of_a_container_with_a_time_to_live_expire_after_their_last_write(
    database_path: Path,
) -> None:
    now = [1_000_000.0]
    store = SqliteDocumentStore(
        database_path, PARTITION_FIELDS, {"poison": 60}, clock=lambda: now[0]
    )
    try:
        record = {"queue": "queue-1", "id": "m-1", "status": "poisoned"}
        created = await store.create("poison", "queue-1", record)
        await store.create("carts", CUSTOMER, {"customer": CUSTOMER, "id": "c-1"})
        now[0] += 50
        await store.replace(
            "poison", "queue-1", {**record, "status": "requeued"}, if_match=created.etag
        )

        now[0] += 50  # 100 s after the create, 50 s after the last write: still there
        kept = await store.read("poison", "queue-1", "m-1")
        assert kept is not None
        assert kept.body == {**record, "status": "requeued"}

        now[0] += 11  # 61 s after the last write: gone from reads and queries
        assert await store.read("poison", "queue-1", "m-1") is None
        page = await store.query(
            "poison", "queue-1", where={}, newest_first_by="id", limit=10, continuation_token=None
        )
        assert page.documents == []
        assert (
            await store.find_across_partitions("poison", where={}, oldest_first_by="id", limit=10)
            == []
        )
        # The same id can be written again, and other containers keep their documents.
        assert (await store.create("poison", "queue-1", record)).body == record
        assert await store.read("carts", CUSTOMER, "c-1") is not None
    finally:
        await store.close()

    with closing(sqlite3.connect(database_path)) as connection:
        rows = connection.execute("SELECT count(*) FROM documents WHERE container = 'poison'")
        assert rows.fetchone() == (1,)
