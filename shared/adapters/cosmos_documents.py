"""The document store on Azure Cosmos DB (NoSQL API), through the azure-cosmos aio SDK.

Each container is partitioned by its own partition field (``/customer`` for carts and orders,
``/queue`` for poison messages: shared/partitioning.py); the app keeps the partition key in that
field of the document. Everything but ``find_across_partitions`` stays inside one partition
(point reads, single-partition queries), which keeps request charges low and flat.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from azure.core import MatchConditions
from azure.core.credentials_async import AsyncTokenCredential
from azure.cosmos.aio import ContainerProxy, CosmosClient
from azure.cosmos.exceptions import CosmosHttpResponseError
from azure.cosmos.http_constants import StatusCodes, SubStatusCodes

from shared.adapters.azure_connections import (
    CosmosConnection,
    CosmosKeyConnection,
    async_credential,
    cosmos_connection,
    quiet_sdk_loggers,
)
from shared.adapters.cosmos_queries import (
    equality_filters,
    field_reference,
    unwrap_token,
    where_clause,
    wrap_token,
)
from shared.document_rules import (
    CrossPartitionQuery,
    DocumentKey,
    PartitionQuery,
    RuleCheckedDocumentStore,
    already_exists,
    etag_changed,
    not_found,
)
from shared.ports import InvalidContinuationToken, Page, StoredDocument
from shared.settings import Settings

COSMOS_DATABASE = "CosmosDbDatabase"
COSMOS_CARTS_CONTAINER = "CosmosDbCartsContainer"
COSMOS_ORDERS_CONTAINER = "CosmosDbOrdersContainer"
DEFAULT_DATABASE = "pierogi-shop"

# 429 (throttled) is retried by the SDK, honouring the service's retry-after. Its defaults
# (9 attempts, up to 30 s) can hold an HTTP request far too long; fail sooner and let the
# caller (HTTP 503 / Service Bus redelivery) retry instead.
RETRY_TOTAL = 5
RETRY_BACKOFF_MAX_SECONDS = 10


@dataclass(frozen=True)
class CosmosConnectionHandle:
    """An opened client and the credential it owns (None for key-based connections)."""

    client: CosmosClient
    credential: AsyncTokenCredential | None = None

    async def close(self) -> None:
        try:
            await self.client.close()
        finally:
            if self.credential is not None:
                await self.credential.close()


Connect = Callable[[], Awaitable[CosmosConnectionHandle]]


async def open_cosmos_client(connection: CosmosConnection) -> CosmosConnectionHandle:
    """Create and start the client: once per process, on first use (see CosmosDocumentStore)."""
    quiet_sdk_loggers()
    retry: dict[str, Any] = {
        "retry_total": RETRY_TOTAL,
        "retry_backoff_max": RETRY_BACKOFF_MAX_SECONDS,
    }
    if isinstance(connection, CosmosKeyConnection):
        handle = CosmosConnectionHandle(CosmosClient(connection.endpoint, connection.key, **retry))
    else:
        credential = async_credential(connection)
        handle = CosmosConnectionHandle(
            CosmosClient(connection.endpoint, credential, **retry), credential
        )
    # Entering the client reads the account (regions, consistency) and sets up session
    # tokens, so reads after writes in this process see those writes.
    try:
        await handle.client.__aenter__()
    except BaseException:
        await handle.close()
        raise
    return handle


class CosmosDocumentStore(RuleCheckedDocumentStore):
    """Documents in Cosmos DB containers, mapped from the app's logical container names."""

    def __init__(
        self,
        connect: Connect,
        database: str,
        container_names: Mapping[str, str],
        partition_fields: Mapping[str, str],
    ) -> None:
        super().__init__(partition_fields)
        self._connect = connect
        self._database = database
        self._container_names = dict(container_names)
        self._handle: CosmosConnectionHandle | None = None
        self._containers: dict[str, ContainerProxy] = {}
        self._lock = asyncio.Lock()
        self._closed = False

    @classmethod
    def from_settings(
        cls, settings: Settings, partition_fields: Mapping[str, str]
    ) -> "CosmosDocumentStore":
        # Parsed now, so a missing or malformed setting fails at startup, naming the setting.
        connection = cosmos_connection(settings)

        async def connect() -> CosmosConnectionHandle:
            return await open_cosmos_client(connection)

        return cls(
            connect,
            database=database_name(settings),
            container_names=container_names(settings),
            partition_fields=partition_fields,
        )

    def container_name(self, container: str) -> str:
        """The Cosmos DB container behind a logical name; other names map to themselves."""
        return self._container_names.get(container, container)

    def partition_key_path(self, container: str) -> str:
        """The partition key path the Cosmos DB container is created with."""
        return partition_key_path(self.partition_field(container))

    async def _read(self, key: DocumentKey) -> StoredDocument | None:
        proxy = await self._container(key.container)
        try:
            item = await proxy.read_item(item=key.id, partition_key=key.partition_key)
        except CosmosHttpResponseError as error:
            if _is_missing_document(error):
                return None
            raise
        return _stored(item)

    async def _create(self, key: DocumentKey, body: Mapping[str, Any]) -> StoredDocument:
        proxy = await self._container(key.container)
        try:
            item = await proxy.create_item(body=dict(body))
        except CosmosHttpResponseError as error:
            if error.status_code == StatusCodes.CONFLICT:
                raise already_exists(key) from None
            raise
        return _stored(item)

    async def _replace(
        self, key: DocumentKey, body: Mapping[str, Any], if_match: str
    ) -> StoredDocument:
        proxy = await self._container(key.container)
        try:
            item = await proxy.replace_item(
                item=key.id,
                body=dict(body),
                etag=if_match,
                match_condition=MatchConditions.IfNotModified,
            )
        except CosmosHttpResponseError as error:
            if error.status_code == StatusCodes.PRECONDITION_FAILED:
                raise etag_changed(key.id, if_match) from None
            if _is_missing_document(error):
                raise not_found(key) from None
            raise
        return _stored(item)

    async def _query(self, query: PartitionQuery) -> Page:
        sort = field_reference(query.newest_first_by)
        conditions, parameters = equality_filters(query.where)
        # partition_key= below is what scopes the query to one partition; the same condition
        # in the text keeps the query's meaning plain wherever it is read (logs, diagnostics).
        conditions.insert(0, f"{field_reference(query.partition_field)} = @partitionKey")
        parameters.insert(0, {"name": "@partitionKey", "value": query.partition_key})
        sql = f"SELECT * FROM c{where_clause(conditions)} ORDER BY {sort} DESC, c.id DESC"
        token_from_client = query.continuation_token is not None
        cosmos_token = (
            None
            if query.continuation_token is None
            else unwrap_token(query.continuation_token, query.fingerprint)
        )
        proxy = await self._container(query.container)
        documents: list[StoredDocument] = []
        # Cosmos DB may return short (even empty) pages before the end; keep reading until the
        # page is full or the results end, so a page is short only when it is the last one.
        while True:
            items, cosmos_token = await self._one_page(
                proxy,
                sql,
                parameters,
                query.partition_key,
                max_items=query.limit - len(documents),
                continuation_token=cosmos_token,
                token_from_client=token_from_client,
            )
            token_from_client = False
            documents.extend(_stored(item) for item in items)
            if cosmos_token is None:
                break
            if len(documents) >= query.limit:
                # A full page comes with a token even when nothing follows it; look one item
                # ahead so that the last page carries no token, as the port promises.
                if not await self._any_after(
                    proxy, sql, parameters, query.partition_key, cosmos_token
                ):
                    cosmos_token = None
                break
        next_token = None if cosmos_token is None else wrap_token(cosmos_token, query.fingerprint)
        return Page(documents=documents, continuation_token=next_token)

    async def _find(self, query: CrossPartitionQuery) -> list[StoredDocument]:
        # The only cross-partition query: it fans out to every physical partition, so it is
        # for background sweeps (the outbox dispatcher), never for a request path.
        sort = field_reference(query.oldest_first_by)
        conditions, parameters = equality_filters(query.where)
        parameters.append({"name": "@limit", "value": query.limit})
        sql = (
            f"SELECT TOP @limit * FROM c{where_clause(conditions)}"
            f" ORDER BY {sort} ASC, {field_reference(query.partition_field)} ASC, c.id ASC"
        )
        proxy = await self._container(query.container)
        # No partition_key: the aio SDK then runs the query across partitions by itself (its
        # query_items passes enable_cross_partition_query on to the HTTP layer, which rejects it).
        items = proxy.query_items(query=sql, parameters=parameters, max_item_count=query.limit)
        documents: list[StoredDocument] = []
        async for item in items:
            documents.append(_stored(item))
            if len(documents) >= query.limit:
                break
        return documents

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            handle, self._handle = self._handle, None
            self._containers.clear()
        if handle is not None:
            await handle.close()

    async def _container(self, container: str) -> ContainerProxy:
        """The container's proxy; the client is created on first use and then reused."""
        proxy = self._containers.get(container)
        if proxy is not None:
            return proxy
        async with self._lock:
            if self._closed:
                raise RuntimeError("The Cosmos DB document store is closed.")
            if self._handle is None:
                self._handle = await self._connect()
            proxy = self._containers.get(container)
            if proxy is None:
                proxy = await self._checked_container(self._handle.client, container)
                self._containers[container] = proxy
        return proxy

    async def _checked_container(self, client: CosmosClient, container: str) -> ContainerProxy:
        name = self.container_name(container)
        proxy = client.get_database_client(self._database).get_container_client(name)
        # One read per container and process: without it a missing container would look like
        # a missing document (both are 404) and read() would quietly return None.
        try:
            properties = await proxy.read()
        except CosmosHttpResponseError as error:
            if error.status_code == StatusCodes.NOT_FOUND:
                raise RuntimeError(
                    f"Cosmos DB container '{name}' in database '{self._database}' does not"
                    " exist; create it with: python -m tools.provision"
                ) from error
            raise
        # A container partitioned by another path would file documents under no partition key,
        # where the app's point reads and queries never find them.
        expected = self.partition_key_path(container)
        paths = properties.get("partitionKey", {}).get("paths")
        if paths != [expected]:
            raise RuntimeError(
                f"Cosmos DB container '{name}' is partitioned by {paths}, not ['{expected}'];"
                " a partition key cannot change: see docs/reliability.md, Changing a"
                " container's partition key"
            )
        return proxy

    async def _any_after(
        self,
        proxy: ContainerProxy,
        sql: str,
        parameters: list[dict[str, Any]],
        partition_key: str,
        cosmos_token: str,
    ) -> bool:
        """Whether the query has any result after ``cosmos_token`` (reads at most one)."""
        token: str | None = cosmos_token
        while token is not None:
            items, token = await self._one_page(
                proxy,
                sql,
                parameters,
                partition_key,
                max_items=1,
                continuation_token=token,
                token_from_client=False,
            )
            if items:
                return True
        return False

    async def _one_page(
        self,
        proxy: ContainerProxy,
        sql: str,
        parameters: list[dict[str, Any]],
        partition_key: str,
        *,
        max_items: int,
        continuation_token: str | None,
        token_from_client: bool,
    ) -> tuple[list[dict[str, Any]], str | None]:
        items = proxy.query_items(
            query=sql,
            parameters=parameters,
            partition_key=partition_key,
            max_item_count=max_items,
        )
        pages = items.by_page(continuation_token)
        try:
            page = await anext(pages)
            documents = [item async for item in page]
        except StopAsyncIteration:
            return [], None
        except CosmosHttpResponseError as error:
            # A token Cosmos DB cannot parse is a 400; only a token from the client can be that.
            if token_from_client and error.status_code == StatusCodes.BAD_REQUEST:
                raise InvalidContinuationToken("The continuation token is malformed.") from None
            raise
        next_token: str | None = getattr(pages, "continuation_token", None)
        return documents, next_token or None


def partition_key_path(partition_field: str) -> str:
    """``customer`` -> ``/customer``: the Cosmos DB path of a top-level partition field."""
    return f"/{partition_field}"


def database_name(settings: Settings) -> str:
    return settings.get(COSMOS_DATABASE) or DEFAULT_DATABASE


def container_names(settings: Settings) -> dict[str, str]:
    """The Cosmos DB container behind each logical container name the app uses."""
    return {
        logical: settings.get(setting) or logical
        for logical, setting in (
            ("carts", COSMOS_CARTS_CONTAINER),
            ("orders", COSMOS_ORDERS_CONTAINER),
        )
    }


def strip_system_properties(item: Mapping[str, Any]) -> dict[str, Any]:
    """The document as the app wrote it: without ``_rid``, ``_self``, ``_etag``, ``_ts``...

    Cosmos DB's system properties all start with ``_``; the app's own fields never do.
    """
    return {key: value for key, value in item.items() if not key.startswith("_")}


def _stored(item: Mapping[str, Any]) -> StoredDocument:
    etag = item.get("_etag")
    if not isinstance(etag, str):
        raise RuntimeError("Cosmos DB returned a document without an _etag.")
    return StoredDocument(body=strip_system_properties(item), etag=etag)


def _is_missing_document(error: CosmosHttpResponseError) -> bool:
    # 404 with sub-status 1003 means the database or container is missing, not the document.
    return (
        error.status_code == StatusCodes.NOT_FOUND
        and error.sub_status != SubStatusCodes.OWNER_RESOURCE_NOT_FOUND
    )
