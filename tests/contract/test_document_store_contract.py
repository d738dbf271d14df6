"""What the app relies on from a DocumentStore, checked against every backend."""

import base64
from typing import Any

import pytest

from shared.ports import (
    DocumentAlreadyExists,
    DocumentNotFound,
    DocumentStore,
    InvalidContinuationToken,
    Page,
    PreconditionFailed,
    StoredDocument,
)
from tests.contract.backends import unique


def cart(
    customer_id: str,
    *,
    id: str | None = None,
    created_at: str = "2024-05-01T12:00:00.000000Z",
    ordered: bool = False,
    outbox_status: str = "none",
    recorded_at: str = "2024-05-01T12:00:00.000000Z",
) -> dict[str, Any]:
    return {
        "id": id or unique("cart"),
        "customer": customer_id,
        "createdAt": created_at,
        "ordered": ordered,
        "outbox": {"status": outbox_status, "recordedAt": recorded_at},
    }


def at(minute: int) -> str:
    """Distinct, sortable ISO-8601 UTC timestamps."""
    return f"2024-05-01T12:{minute:02d}:00.000000Z"


def ids(documents: list[StoredDocument]) -> list[str]:
    return [document.body["id"] for document in documents]


async def newest_first(
    store: DocumentStore,
    container: str,
    partition_key: str,
    *,
    where: dict[str, Any] | None = None,
    newest_first_by: str = "createdAt",
    limit: int = 10,
    continuation_token: str | None = None,
) -> Page:
    """One page of a partition's documents, newest first (the query most tests make)."""
    return await store.query(
        container,
        partition_key,
        where=where or {},
        newest_first_by=newest_first_by,
        limit=limit,
        continuation_token=continuation_token,
    )


async def read_all_pages(
    store: DocumentStore, container: str, customer_id: str, *, limit: int
) -> list[list[str]]:
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page = await store.query(
            container,
            customer_id,
            where={},
            newest_first_by="createdAt",
            limit=limit,
            continuation_token=token,
        )
        pages.append(ids(page.documents))
        token = page.continuation_token
        if token is None:
            return pages
        assert len(pages) < 100, "the continuation tokens never end"


async def test_reading_an_absent_document_returns_none(
    document_store: DocumentStore, container: str
) -> None:
    assert await document_store.read(container, unique("customer"), "no-such-cart") is None


async def test_create_then_read_round_trips_the_body_exactly(
    document_store: DocumentStore, container: str
) -> None:
    customer = unique("customer")
    body = {
        **cart(customer),
        "items": [{"productId": "ruskie", "quantity": 2, "unitPrice": "18.50"}],
        "note": "Zażółć gęślą jaźń",
        "discount": None,
        "weightKg": 0.75,
    }

    created = await document_store.create(container, customer, body)
    read = await document_store.read(container, customer, body["id"])

    assert created.body == body
    assert created.etag
    assert read == StoredDocument(body=body, etag=created.etag)


async def test_creating_a_taken_id_raises_document_already_exists(
    document_store: DocumentStore, container: str
) -> None:
    customer = unique("customer")
    body = cart(customer)
    await document_store.create(container, customer, body)

    with pytest.raises(DocumentAlreadyExists):
        await document_store.create(container, customer, {**body, "ordered": True})

    stored = await document_store.read(container, customer, body["id"])
    assert stored is not None
    assert stored.body == body


async def test_replace_with_the_current_etag_stores_the_body_under_a_new_etag(
    document_store: DocumentStore, container: str
) -> None:
    customer = unique("customer")
    created = await document_store.create(container, customer, cart(customer))
    changed = {**created.body, "ordered": True}

    replaced = await document_store.replace(container, customer, changed, if_match=created.etag)

    assert replaced.body == changed
    assert replaced.etag != created.etag
    assert await document_store.read(container, customer, changed["id"]) == replaced


async def test_replace_with_a_stale_etag_raises_precondition_failed(
    document_store: DocumentStore, container: str
) -> None:
    customer = unique("customer")
    created = await document_store.create(container, customer, cart(customer))
    current = await document_store.replace(
        container, customer, {**created.body, "ordered": True}, if_match=created.etag
    )

    with pytest.raises(PreconditionFailed):
        await document_store.replace(
            container, customer, {**created.body, "note": "lost update"}, if_match=created.etag
        )

    assert await document_store.read(container, customer, created.body["id"]) == current


async def test_replace_of_an_absent_document_raises_document_not_found(
    document_store: DocumentStore, container: str
) -> None:
    customer = unique("customer")
    created = await document_store.create(container, customer, cart(customer))

    with pytest.raises(DocumentNotFound):
        await document_store.replace(
            container, customer, cart(customer, id="no-such-cart"), if_match=created.etag
        )


async def test_the_same_id_in_two_partitions_is_two_documents(
    document_store: DocumentStore, container: str
) -> None:
    alice, bob = unique("alice"), unique("bob")
    alices = await document_store.create(container, alice, cart(alice, id="cart-1"))
    bobs = await document_store.create(container, bob, cart(bob, id="cart-1"))

    await document_store.replace(container, bob, {**bobs.body, "ordered": True}, if_match=bobs.etag)

    assert await document_store.read(container, alice, "cart-1") == alices
    bobs_now = await document_store.read(container, bob, "cart-1")
    assert bobs_now is not None
    assert bobs_now.body["ordered"] is True
    assert await document_store.read(container, unique("carol"), "cart-1") is None


async def test_query_filters_on_fields_booleans_and_dotted_paths(
    document_store: DocumentStore, container: str
) -> None:
    customer = unique("customer")
    open_cart = cart(customer, id="open", created_at=at(1))
    ordered_pending = cart(
        customer, id="ordered-pending", created_at=at(2), ordered=True, outbox_status="pending"
    )
    ordered_sent = cart(
        customer, id="ordered-sent", created_at=at(3), ordered=True, outbox_status="sent"
    )
    for body in (open_cart, ordered_pending, ordered_sent):
        await document_store.create(container, customer, body)

    async def matching(where: dict[str, str | bool]) -> list[str]:
        page = await document_store.query(
            container,
            customer,
            where=where,
            newest_first_by="createdAt",
            limit=10,
            continuation_token=None,
        )
        return ids(page.documents)

    assert await matching({"ordered": True}) == ["ordered-sent", "ordered-pending"]
    assert await matching({"ordered": False}) == ["open"]
    assert await matching({"outbox.status": "pending"}) == ["ordered-pending"]
    assert await matching({"ordered": True, "outbox.status": "sent"}) == ["ordered-sent"]
    assert await matching({"customer": customer}) == ["ordered-sent", "ordered-pending", "open"]
    assert await matching({"outbox.status": "unknown"}) == []


async def test_query_pages_newest_first_through_every_document_once(
    document_store: DocumentStore, container: str
) -> None:
    customer = unique("customer")
    # Two carts share a timestamp: the id breaks the tie, also across a page boundary.
    created_at = {"c1": at(1), "c2": at(2), "c3": at(3), "c4": at(3), "c5": at(5), "c6": at(6)}
    created_at["c7"] = at(7)
    for cart_id, timestamp in created_at.items():
        await document_store.create(
            container, customer, cart(customer, id=cart_id, created_at=timestamp)
        )

    pages = await read_all_pages(document_store, container, customer, limit=3)

    assert pages == [["c7", "c6", "c5"], ["c4", "c3", "c2"], ["c1"]]


async def test_a_full_last_page_has_no_continuation_token(
    document_store: DocumentStore, container: str
) -> None:
    customer = unique("customer")
    for minute in range(4):
        await document_store.create(
            container, customer, cart(customer, id=f"c{minute}", created_at=at(minute))
        )

    pages = await read_all_pages(document_store, container, customer, limit=2)

    assert pages == [["c3", "c2"], ["c1", "c0"]]


@pytest.mark.parametrize(
    "forged",
    [
        "not-a-continuation-token",
        # The URL-safe base64 of deeply nested JSON: 990 and 3000 "[" (1,320 and 4,000
        # characters); checked before decoding, as json.loads would exhaust the stack.
        base64.urlsafe_b64encode(b"[" * 990).decode().rstrip("="),
        base64.urlsafe_b64encode(b"[" * 3000).decode().rstrip("="),
        base64.urlsafe_b64encode(b'{"q":' * 500).decode().rstrip("="),
        "A" * 5000,
    ],
    ids=["made-up", "990-brackets", "3000-brackets", "500-objects", "oversized"],
)
async def test_a_forged_continuation_token_raises_invalid_continuation_token(
    document_store: DocumentStore, container: str, forged: str
) -> None:
    customer = unique("customer")
    await document_store.create(container, customer, cart(customer))

    with pytest.raises(InvalidContinuationToken):
        await document_store.query(
            container,
            customer,
            where={},
            newest_first_by="createdAt",
            limit=10,
            continuation_token=forged,
        )


async def test_query_never_returns_another_partitions_documents(
    document_store: DocumentStore, container: str
) -> None:
    alice, bob = unique("alice"), unique("bob")
    alices_carts = set()
    for minute in range(3):
        created = await document_store.create(container, alice, cart(alice, created_at=at(minute)))
        alices_carts.add(created.body["id"])
        await document_store.create(container, bob, cart(bob, created_at=at(minute)))

    pages = await read_all_pages(document_store, container, alice, limit=2)
    asking_for_bobs = await document_store.query(
        container,
        alice,
        where={"customer": bob},
        newest_first_by="createdAt",
        limit=10,
        continuation_token=None,
    )

    assert sorted(cart_id for page in pages for cart_id in page) == sorted(alices_carts)
    assert asking_for_bobs.documents == []


async def test_find_across_partitions_returns_matches_of_every_partition_oldest_first(
    document_store: DocumentStore, container: str
) -> None:
    customers = [unique("customer") for _ in range(3)]
    pending = {
        "p-old": (customers[2], at(1)),
        "p-mid": (customers[0], at(2)),
        "p-new": (customers[1], at(3)),
    }
    for cart_id, (customer, recorded_at) in pending.items():
        await document_store.create(
            container,
            customer,
            cart(customer, id=cart_id, outbox_status="pending", recorded_at=recorded_at),
        )
    await document_store.create(
        container,
        customers[0],
        cart(customers[0], id="sent", outbox_status="sent", recorded_at=at(0)),
    )

    async def pending_outboxes(limit: int) -> list[StoredDocument]:
        return await document_store.find_across_partitions(
            container,
            where={"outbox.status": "pending"},
            oldest_first_by="outbox.recordedAt",
            limit=limit,
        )

    everything = await pending_outboxes(limit=10)
    assert ids(everything) == ["p-old", "p-mid", "p-new"]
    assert [document.body["customer"] for document in everything] == [
        customers[2],
        customers[0],
        customers[1],
    ]
    assert ids(await pending_outboxes(limit=2)) == ["p-old", "p-mid"]


# The document rules (shared/document_rules.py): every backend refuses the same things.

INVALID_KEYS = {
    "empty": "",
    "slash": "a/b",
    "backslash": "a\\b",
    "question-mark": "a?b",
    "hash": "a#b",
    "256-characters": "x" * 256,
}


@pytest.mark.parametrize("invalid", list(INVALID_KEYS.values()), ids=list(INVALID_KEYS))
async def test_an_invalid_id_is_refused_on_every_operation(
    document_store: DocumentStore, container: str, invalid: str
) -> None:
    customer = unique("customer")
    created = await document_store.create(container, customer, cart(customer))

    with pytest.raises(ValueError, match="id"):
        await document_store.create(container, customer, {**cart(customer), "id": invalid})
    with pytest.raises(ValueError, match="id"):
        await document_store.replace(
            container, customer, {**cart(customer), "id": invalid}, if_match=created.etag
        )
    with pytest.raises(ValueError, match="id"):
        await document_store.read(container, customer, invalid)
    assert await read_all_pages(document_store, container, customer, limit=10) == [
        [created.body["id"]]
    ]


@pytest.mark.parametrize("body", [{"customer": "x"}, {"customer": "x", "id": 7}])
async def test_a_document_needs_an_id_that_is_a_string(
    document_store: DocumentStore, container: str, body: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="id must be a non-empty string"):
        await document_store.create(container, "x", body)


@pytest.mark.parametrize("invalid", list(INVALID_KEYS.values()), ids=list(INVALID_KEYS))
async def test_an_invalid_partition_key_is_refused_on_every_operation(
    document_store: DocumentStore, container: str, invalid: str
) -> None:
    body = cart(invalid)
    with pytest.raises(ValueError, match="partition key"):
        await document_store.create(container, invalid, body)
    with pytest.raises(ValueError, match="partition key"):
        await document_store.replace(container, invalid, body, if_match="any")
    with pytest.raises(ValueError, match="partition key"):
        await document_store.read(container, invalid, body["id"])
    with pytest.raises(ValueError, match="partition key"):
        await newest_first(document_store, container, invalid, limit=1)


async def test_ids_and_partition_keys_of_255_characters_are_accepted(
    document_store: DocumentStore, container: str
) -> None:
    customer = unique("customer").ljust(255, "c")
    body = cart(customer, id=unique("cart").ljust(255, "x"))

    created = await document_store.create(container, customer, body)

    assert await document_store.read(container, customer, body["id"]) == created


@pytest.mark.parametrize(
    "body_customer", [None, "someone-else"], ids=["no-partition-field", "another-partition"]
)
async def test_a_document_must_carry_its_partition_key(
    document_store: DocumentStore, container: str, body_customer: str | None
) -> None:
    customer = unique("customer")
    created = await document_store.create(container, customer, cart(customer))
    body: dict[str, Any] = {**created.body, "ordered": True}
    if body_customer is None:
        del body["customer"]
    else:
        body["customer"] = body_customer

    with pytest.raises(ValueError, match="must equal the partition key"):
        await document_store.create(container, customer, {**body, "id": unique("cart")})
    with pytest.raises(ValueError, match="must equal the partition key"):
        await document_store.replace(container, customer, body, if_match=created.etag)

    assert await document_store.read(container, customer, created.body["id"]) == created


async def test_each_container_keeps_its_partition_key_in_its_own_field(
    document_store: DocumentStore, queue_container: str
) -> None:
    # Like the poison records: partitioned by the queue's name, in a field named for it.
    queue = unique("queue")
    record = {"id": unique("record"), "queue": queue, "recordedAt": at(1)}

    created = await document_store.create(queue_container, queue, record)

    assert await document_store.read(queue_container, queue, record["id"]) == created
    page = await newest_first(document_store, queue_container, queue, newest_first_by="recordedAt")
    assert page.documents == [created]
    # A "customer" field holding the key is no partition field in this container.
    misplaced = {"id": unique("record"), "customer": queue, "recordedAt": at(2)}
    with pytest.raises(ValueError, match="'queue' field must equal the partition key"):
        await document_store.create(queue_container, queue, misplaced)
    with pytest.raises(ValueError, match="'queue' field must equal the partition key"):
        await document_store.replace(
            queue_container, queue, {**record, "queue": "another"}, if_match=created.etag
        )


async def test_a_container_without_a_partition_field_is_refused(
    document_store: DocumentStore,
) -> None:
    unknown = unique("unknown")
    customer = unique("customer")
    with pytest.raises(ValueError, match="no partition field"):
        await document_store.create(unknown, customer, cart(customer))
    with pytest.raises(ValueError, match="no partition field"):
        await document_store.read(unknown, customer, "cart-1")
    with pytest.raises(ValueError, match="no partition field"):
        await newest_first(document_store, unknown, customer)


@pytest.mark.parametrize(
    "path",
    ["", "a..b", "a.", "1abc", "a-b", "a b", "a['b']", "items[0]", "status\n", "s') OR 1=1 --"],
)
async def test_field_paths_must_be_plain_dotted_names(
    document_store: DocumentStore, container: str, path: str
) -> None:
    customer = unique("customer")

    with pytest.raises(ValueError, match="plain field names"):
        await newest_first(document_store, container, customer, where={path: 1}, limit=5)
    with pytest.raises(ValueError, match="plain field names"):
        await document_store.query(
            container, customer, where={}, newest_first_by=path, limit=5, continuation_token=None
        )
    with pytest.raises(ValueError, match="plain field names"):
        await document_store.find_across_partitions(
            container, where={path: 1}, oldest_first_by="createdAt", limit=5
        )
    with pytest.raises(ValueError, match="plain field names"):
        await document_store.find_across_partitions(
            container, where={}, oldest_first_by=path, limit=5
        )


@pytest.mark.parametrize("limit", [0, -1])
async def test_a_limit_below_one_is_refused(
    document_store: DocumentStore, container: str, limit: int
) -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        await document_store.query(
            container,
            unique("customer"),
            where={},
            newest_first_by="createdAt",
            limit=limit,
            continuation_token=None,
        )
    with pytest.raises(ValueError, match="limit must be at least 1"):
        await document_store.find_across_partitions(
            container, where={}, oldest_first_by="createdAt", limit=limit
        )


@pytest.mark.parametrize(
    "other_query",
    [
        {"partition": "other"},
        {"container": "other"},
        {"where": {"ordered": False}},
        {"newest_first_by": "outbox.recordedAt"},
    ],
    ids=["another-partition", "another-container", "another-filter", "another-order"],
)
async def test_a_continuation_token_is_refused_by_any_other_query(
    document_store: DocumentStore,
    container: str,
    queue_container: str,
    other_query: dict[str, Any],
) -> None:
    customer = unique("customer")
    for minute in range(3):
        await document_store.create(container, customer, cart(customer, created_at=at(minute)))
    first = await newest_first(document_store, container, customer, limit=1)
    assert first.continuation_token is not None
    query: dict[str, Any] = {
        "container": container,
        "partition_key": customer,
        "where": {},
        "newest_first_by": "createdAt",
        "limit": 1,
    }
    if "partition" in other_query:
        query["partition_key"] = unique("customer")
    elif "container" in other_query:
        query["container"] = queue_container
    else:
        query.update(other_query)

    with pytest.raises(InvalidContinuationToken):
        await document_store.query(continuation_token=first.continuation_token, **query)


async def test_equality_is_type_exact(document_store: DocumentStore, container: str) -> None:
    customer = unique("customer")
    for body in (
        {"customer": customer, "id": "true", "createdAt": at(1), "flag": True},
        {"customer": customer, "id": "one", "createdAt": at(2), "flag": 1},
        {"customer": customer, "id": "text", "createdAt": at(3), "flag": "1"},
        {"customer": customer, "id": "null", "createdAt": at(4), "flag": None},
        {"customer": customer, "id": "missing", "createdAt": at(5)},
    ):
        await document_store.create(container, customer, body)

    async def matching(value: str | int | bool | None) -> list[str]:
        page = await newest_first(document_store, container, customer, where={"flag": value})
        return ids(page.documents)

    assert await matching(True) == ["true"]
    assert await matching(1) == ["one"]
    assert await matching("1") == ["text"]
    assert await matching(None) == ["null"]
