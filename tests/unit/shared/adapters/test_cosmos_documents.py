"""The Cosmos DB document store: SDK results and errors mapped onto the port, without a server.

The SDK's client and containers are the labelled fakes of fake_cosmos_sdk.py; everything above
them is the real CosmosDocumentStore. The document rules it shares with the embedded store
(ids, partition keys, field paths, limits, tokens) are tested once, for every backend, in
tests/contract/test_document_store_contract.py; here only that they are applied before the SDK.
"""

import asyncio
import socket
from typing import Any

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import ServiceRequestError
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosHttpResponseError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from shared.adapters.azure_connections import CosmosKeyConnection
from shared.adapters.cosmos_documents import (
    CosmosConnectionHandle,
    CosmosDocumentStore,
    open_cosmos_client,
    strip_system_properties,
)
from shared.adapters.cosmos_queries import wrap_token
from shared.partitioning import PARTITION_FIELDS
from shared.poison_store import POISON_MESSAGES
from shared.ports import (
    DocumentAlreadyExists,
    DocumentNotFound,
    InvalidContinuationToken,
    PreconditionFailed,
)
from shared.settings import SettingError, Settings
from tests.unit.shared.adapters.fake_cosmos_sdk import (
    FakeContainer,
    FakeCosmosClient,
    FakeQueryResult,
)

SYSTEM_PROPERTIES = {
    "_rid": "AAAAAA==",
    "_self": "dbs/AAAA==/colls/AAAA=/docs/AAAAAA==/",
    "_etag": '"00000000-0000-0000-0000-000000000001"',
    "_attachments": "attachments/",
    "_ts": 1764331200,
}
ETAG = SYSTEM_PROPERTIES["_etag"]
CART = {"id": "cart-1", "customer": "anna", "createdAt": "2026-11-28T12:00:00Z"}


@pytest.fixture
def client() -> FakeCosmosClient:
    return FakeCosmosClient()


@pytest.fixture
def connects() -> list[int]:
    return []


@pytest.fixture
def store(client: FakeCosmosClient, connects: list[int]) -> CosmosDocumentStore:
    async def connect() -> CosmosConnectionHandle:
        connects.append(1)
        await asyncio.sleep(0)  # Let racing first uses interleave.
        return CosmosConnectionHandle(client)  # type: ignore[arg-type]

    return CosmosDocumentStore(
        connect,
        database="shop-db",
        container_names={"carts": "carts-v2", "orders": "orders"},
        partition_fields=PARTITION_FIELDS,
    )


def container(client: FakeCosmosClient, name: str = "carts-v2", **answers: Any) -> FakeContainer:
    fake = client.containers.setdefault(name, FakeContainer(name))
    for key, value in answers.items():
        setattr(fake, key, value)
    return fake


def stored(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, **SYSTEM_PROPERTIES}


# Reads


async def test_a_read_returns_the_body_without_system_properties_and_the_etag(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    fake = container(client, item=stored(CART))
    document = await store.read("carts", "anna", "cart-1")
    assert document is not None
    assert document.body == CART
    assert document.etag == ETAG
    assert fake.calls[-1] == ("read_item", {"item": "cart-1", "partition_key": "anna"})


async def test_a_missing_document_reads_as_none(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    container(client, error=CosmosResourceNotFoundError(status_code=404, message="NotFound"))
    assert await store.read("carts", "anna", "cart-1") is None


async def test_a_404_for_a_missing_owner_resource_is_not_a_missing_document(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    missing_owner = CosmosResourceNotFoundError(status_code=404, message="gone", sub_status=1003)
    container(client, error=missing_owner)
    with pytest.raises(CosmosResourceNotFoundError):
        await store.read("carts", "anna", "cart-1")


def test_every_underscore_property_is_stripped() -> None:
    assert strip_system_properties({"id": "a", "_lsn": 5, "_etag": "x", "total": 1}) == {
        "id": "a",
        "total": 1,
    }


# Writes


async def test_creating_an_existing_id_raises_document_already_exists(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    container(client, error=CosmosResourceExistsError(status_code=409, message="Conflict"))
    with pytest.raises(DocumentAlreadyExists, match="cart-1"):
        await store.create("carts", "anna", CART)


async def test_a_created_document_comes_back_with_its_etag(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    fake = container(client, item=stored(CART))
    document = await store.create("carts", "anna", CART)
    assert (document.body, document.etag) == (CART, ETAG)
    assert fake.calls[-1] == ("create_item", {"body": CART})


@pytest.mark.parametrize(
    "error",
    [
        CosmosHttpResponseError(status_code=412, message="Precondition Failed"),
        CosmosAccessConditionFailedError(status_code=412, message="Precondition Failed"),
    ],
)
async def test_replacing_with_a_stale_etag_raises_precondition_failed(
    store: CosmosDocumentStore, client: FakeCosmosClient, error: Exception
) -> None:
    container(client, error=error)
    with pytest.raises(PreconditionFailed):
        await store.replace("carts", "anna", CART, if_match=ETAG)


async def test_replace_is_conditional_on_the_etag(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    fake = container(client, item=stored(CART))
    await store.replace("carts", "anna", CART, if_match=ETAG)
    assert fake.calls[-1] == (
        "replace_item",
        {
            "item": "cart-1",
            "body": CART,
            "etag": ETAG,
            "match_condition": MatchConditions.IfNotModified,
        },
    )


async def test_replacing_a_missing_document_raises_document_not_found(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    container(client, error=CosmosResourceNotFoundError(status_code=404, message="NotFound"))
    with pytest.raises(DocumentNotFound):
        await store.replace("carts", "anna", CART, if_match=ETAG)


@pytest.mark.parametrize("status", [400, 403, 429, 500, 503])
async def test_other_errors_are_not_hidden(
    store: CosmosDocumentStore, client: FakeCosmosClient, status: int
) -> None:
    container(client, error=CosmosHttpResponseError(status_code=status, message="boom"))
    with pytest.raises(CosmosHttpResponseError) as raised:
        await store.replace("carts", "anna", CART, if_match=ETAG)
    assert raised.value.status_code == status


@pytest.mark.parametrize(
    ("partition_key", "body", "problem"),
    [
        ("an/na", CART, "partition key"),
        ("anna", {**CART, "id": "x" * 256}, "longer than 255"),
        ("anna", {**CART, "customer": "bob"}, "must equal the partition key"),
    ],
)
async def test_invalid_ids_and_partition_keys_never_reach_the_sdk(
    store: CosmosDocumentStore,
    client: FakeCosmosClient,
    partition_key: str,
    body: dict[str, Any],
    problem: str,
) -> None:
    fake = container(client, item=stored(CART))
    with pytest.raises(ValueError, match=problem):
        await store.create("carts", partition_key, body)
    with pytest.raises(ValueError, match=problem):
        await store.replace("carts", partition_key, body, if_match=ETAG)
    assert fake.sdk_calls() == []


async def test_an_invalid_id_is_refused_on_read(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    fake = container(client, item=stored(CART))
    with pytest.raises(ValueError, match="contains one of"):
        await store.read("carts", "anna", "a/b")
    assert fake.sdk_calls() == []


# Queries


def page_query(client: FakeCosmosClient, pages: dict[str | None, Any]) -> FakeContainer:
    return container(client, query_result=FakeQueryResult(pages))


async def test_a_query_stays_in_one_partition_with_parameterised_filters(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    fake = page_query(client, {None: ([stored(CART)], None)})
    page = await store.query(
        "carts",
        "anna",
        where={"outbox.status": "pending", "ordered": True},
        newest_first_by="createdAt",
        limit=10,
        continuation_token=None,
    )
    assert [d.body for d in page.documents] == [CART]
    assert page.documents[0].etag == ETAG
    assert page.continuation_token is None
    assert fake.calls[-1] == (
        "query_items",
        {
            "query": "SELECT * FROM c WHERE c.customer = @partitionKey"
            " AND c.outbox.status = @p0 AND c.ordered = @p1"
            " ORDER BY c.createdAt DESC, c.id DESC",
            "parameters": [
                {"name": "@partitionKey", "value": "anna"},
                {"name": "@p0", "value": "pending"},
                {"name": "@p1", "value": True},
            ],
            "partition_key": "anna",
            "max_item_count": 10,
        },
    )


async def test_the_cosmos_token_is_wrapped_and_accepted_back(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    cosmos_token = '{"token":"+RID:~AAAA#RT:1#TRC:1#ISV:2#IEO:65567","range":{"min":"","max":"FF"}}'
    second = {**CART, "id": "cart-0"}
    page_query(
        client, {None: ([stored(CART)], cosmos_token), cosmos_token: ([stored(second)], None)}
    )
    query = {"where": {}, "newest_first_by": "createdAt", "limit": 1}
    first_page = await store.query("carts", "anna", continuation_token=None, **query)
    token = first_page.continuation_token
    assert token is not None
    assert cosmos_token not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    next_page = await store.query("carts", "anna", continuation_token=token, **query)
    assert [d.body["id"] for d in next_page.documents] == ["cart-0"]
    assert next_page.continuation_token is None


async def test_short_pages_are_filled_up_to_the_limit(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    items = [stored({**CART, "id": f"cart-{n}"}) for n in (3, 2, 1, 0)]
    pages = {
        None: ([items[0]], "t1"),
        "t1": ([], "t2"),
        "t2": (items[1:3], "t3"),
        "t3": (items[3:], None),
    }
    fake = page_query(client, pages)
    query = {"where": {}, "newest_first_by": "createdAt", "limit": 3}
    page = await store.query("carts", "anna", continuation_token=None, **query)
    assert [d.body["id"] for d in page.documents] == ["cart-3", "cart-2", "cart-1"]
    rest = await store.query("carts", "anna", continuation_token=page.continuation_token, **query)
    assert [d.body["id"] for d in rest.documents] == ["cart-0"]
    assert rest.continuation_token is None
    sizes = [kwargs["max_item_count"] for name, kwargs in fake.calls if name == "query_items"]
    # 3, then the 2 still missing (twice: an empty page), a look-ahead of 1, the next page.
    assert sizes == [3, 2, 2, 1, 3]
    assert fake.query_result is not None
    assert fake.query_result.requested_tokens == [None, "t1", "t2", "t3", "t3"]


async def test_a_full_last_page_carries_no_token_though_cosmos_db_gave_one(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    items = [stored({**CART, "id": f"cart-{n}"}) for n in (2, 1)]
    page_query(client, {None: (items, "t1"), "t1": ([], "t2"), "t2": ([], None)})
    page = await store.query(
        "carts", "anna", where={}, newest_first_by="createdAt", limit=2, continuation_token=None
    )
    assert [d.body["id"] for d in page.documents] == ["cart-2", "cart-1"]
    assert page.continuation_token is None


@pytest.mark.parametrize(
    "token",
    [
        "not base64!",
        "%%%",
        "YWJj",  # base64 of "abc": not JSON
        wrap_token("t", "another-query"),
        "eyJxIjoxfQ",  # {"q":1}
    ],
)
async def test_a_malformed_or_foreign_token_is_refused_before_the_sdk(
    store: CosmosDocumentStore, client: FakeCosmosClient, token: str
) -> None:
    fake = page_query(client, {None: ([], None)})
    with pytest.raises(InvalidContinuationToken):
        await store.query(
            "carts",
            "anna",
            where={},
            newest_first_by="createdAt",
            limit=5,
            continuation_token=token,
        )
    assert fake.sdk_calls() == []


async def test_a_token_for_another_partition_is_refused(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    page_query(client, {None: ([stored(CART)], "t1"), "t1": ([stored(CART)], None)})
    query = {"where": {}, "newest_first_by": "createdAt", "limit": 1}
    token = (
        await store.query("carts", "anna", continuation_token=None, **query)
    ).continuation_token
    with pytest.raises(InvalidContinuationToken):
        await store.query("carts", "bob", continuation_token=token, **query)


async def test_a_token_cosmos_db_rejects_with_400_is_an_invalid_token(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    fake = page_query(client, {None: ([stored(CART)], "t1"), "t1": ([stored(CART)], None)})
    query = {"where": {}, "newest_first_by": "createdAt", "limit": 1}
    token = (
        await store.query("carts", "anna", continuation_token=None, **query)
    ).continuation_token
    assert fake.query_result is not None
    fake.query_result.error = CosmosHttpResponseError(status_code=400, message="Bad token")
    with pytest.raises(InvalidContinuationToken):
        await store.query("carts", "anna", continuation_token=token, **query)


async def test_a_400_without_a_client_token_is_not_hidden(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    fake = page_query(client, {})
    fake.query_result = FakeQueryResult({}, CosmosHttpResponseError(status_code=400, message="x"))
    with pytest.raises(CosmosHttpResponseError):
        await store.query(
            "carts", "anna", where={}, newest_first_by="createdAt", limit=1, continuation_token=None
        )


async def test_a_field_path_that_is_not_plain_is_refused_before_the_sdk(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    path = "outbox.status; DROP"
    fake = page_query(client, {None: ([], None)})
    with pytest.raises(ValueError, match="plain field names"):
        await store.query(
            "carts",
            "anna",
            where={path: 1},
            newest_first_by="createdAt",
            limit=5,
            continuation_token=None,
        )
    with pytest.raises(ValueError, match="plain field names"):
        await store.find_across_partitions("carts", where={}, oldest_first_by=path, limit=5)
    assert fake.sdk_calls() == []


async def test_the_sweep_is_the_only_cross_partition_query(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    fake = page_query(client, {None: ([stored(CART)], None)})
    documents = await store.find_across_partitions(
        "carts", where={"outbox.status": "pending"}, oldest_first_by="outbox.recordedAt", limit=7
    )
    assert [d.body for d in documents] == [CART]
    assert fake.calls[-1] == (
        "query_items",
        {
            "query": "SELECT TOP @limit * FROM c WHERE c.outbox.status = @p0"
            " ORDER BY c.outbox.recordedAt ASC, c.customer ASC, c.id ASC",
            "parameters": [
                {"name": "@p0", "value": "pending"},
                {"name": "@limit", "value": 7},
            ],
            # No partition key: the aio SDK fans the query out over every partition. (It must
            # not get enable_cross_partition_query: 4.17's aio query_items passes that keyword
            # on to aiohttp, which raises TypeError.)
            "max_item_count": 7,
        },
    )


# Containers and the client's life cycle


async def test_logical_names_map_to_configured_containers_and_others_to_themselves(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    container(client, "carts-v2", error=CosmosResourceNotFoundError(status_code=404, message=""))
    container(
        client,
        POISON_MESSAGES,
        partition_key_path="/queue",
        error=CosmosResourceNotFoundError(status_code=404, message=""),
    )
    await store.read("carts", "anna", "cart-1")
    await store.read(POISON_MESSAGES, "submit-order", "message-1")
    assert set(client.containers) == {"carts-v2", POISON_MESSAGES}
    assert set(client.databases) == {"shop-db"}


async def test_a_container_partitioned_by_another_path_is_refused_before_any_write(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    # poison-messages as it was created before it was partitioned by /queue.
    old = container(client, POISON_MESSAGES, partition_key_path="/customer")
    record = {"id": "message-1", "queue": "submit-order"}
    with pytest.raises(RuntimeError, match=r"partitioned by \['/customer'\], not \['/queue'\]"):
        await store.create(POISON_MESSAGES, "submit-order", record)
    assert [name for name, _ in old.calls] == ["read"]


async def test_a_missing_container_says_how_to_create_it(
    store: CosmosDocumentStore, client: FakeCosmosClient
) -> None:
    container(client, read_error=CosmosResourceNotFoundError(status_code=404, message="NotFound"))
    with pytest.raises(RuntimeError, match=r"python -m tools\.provision"):
        await store.read("carts", "anna", "cart-1")


async def test_the_client_is_created_once_on_first_use_and_closed_by_close(
    store: CosmosDocumentStore, client: FakeCosmosClient, connects: list[int]
) -> None:
    container(client, item=stored(CART))
    assert connects == []  # Nothing connects at construction.
    await asyncio.gather(*(store.read("carts", "anna", "cart-1") for _ in range(5)))
    await store.read("carts", "anna", "cart-1")
    assert connects == [1]
    await store.close()
    assert client.closed
    with pytest.raises(RuntimeError, match="closed"):
        await store.read("carts", "anna", "cart-1")


def test_from_settings_reads_database_and_container_names() -> None:
    store = CosmosDocumentStore.from_settings(
        Settings(
            {
                "CosmosDbConnection": "AccountEndpoint=http://localhost:8081/;AccountKey=a2V5;",
                "CosmosDbCartsContainer": "carts-2026",
            }
        ),
        PARTITION_FIELDS,
    )
    assert store.container_name("carts") == "carts-2026"
    assert store.container_name("orders") == "orders"
    assert store.container_name("poison") == "poison"


def test_from_settings_fails_at_once_naming_the_missing_connection() -> None:
    with pytest.raises(SettingError, match="CosmosDbConnection__accountEndpoint"):
        CosmosDocumentStore.from_settings(Settings({}), PARTITION_FIELDS)


async def test_a_client_that_cannot_reach_the_account_is_closed_and_the_error_raised() -> None:
    with socket.socket() as probe:  # A port nothing listens on: connecting is refused at once.
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connection = CosmosKeyConnection(f"http://127.0.0.1:{port}/", "a2V5")
    # Warnings are errors in this suite: an unclosed aiohttp session would fail the test.
    with pytest.raises(ServiceRequestError):
        await open_cosmos_client(connection)
