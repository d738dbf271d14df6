"""Fakes of the azure-cosmos aio SDK's client, database, container and query pager.

They stand in for the SDK objects only: they raise the SDK's real exception classes with real
status codes, and record the calls the store makes. Everything above them is the real
CosmosDocumentStore (test_cosmos_documents.py).
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeQueryResult:
    """Fake of the SDK's query pager: ``by_page(token)`` pages, each leaving its next token."""

    pages: dict[str | None, tuple[list[dict[str, Any]], str | None]]
    error: Exception | None = None
    requested_tokens: list[str | None] = field(default_factory=list)

    def by_page(self, continuation_token: str | None = None) -> "FakePageIterator":
        self.requested_tokens.append(continuation_token)
        return FakePageIterator(self, continuation_token)

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._all_items()

    async def _all_items(self) -> AsyncIterator[dict[str, Any]]:
        if self.error is not None:
            raise self.error
        for item in self.pages[None][0]:
            yield item


class FakePageIterator:
    def __init__(self, result: FakeQueryResult, continuation_token: str | None) -> None:
        self._result = result
        self.continuation_token = continuation_token

    def __aiter__(self) -> "FakePageIterator":
        return self

    async def __anext__(self) -> AsyncIterator[dict[str, Any]]:
        if self._result.error is not None:
            raise self._result.error
        items, self.continuation_token = self._result.pages[self.continuation_token]
        return _async_items(items)


async def _async_items(items: list[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    for item in items:
        yield item


@dataclass
class FakeContainer:
    """Fake of azure.cosmos.aio.ContainerProxy: canned answers or real SDK exceptions."""

    name: str
    item: dict[str, Any] | None = None
    error: Exception | None = None
    read_error: Exception | None = None
    query_result: FakeQueryResult | None = None
    partition_key_path: str = "/customer"
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def read(self) -> dict[str, Any]:
        self.calls.append(("read", {}))
        if self.read_error is not None:
            raise self.read_error
        return {"id": self.name, "partitionKey": {"paths": [self.partition_key_path]}}

    async def read_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._answer("read_item", kwargs)

    async def create_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._answer("create_item", kwargs)

    async def replace_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._answer("replace_item", kwargs)

    def query_items(self, **kwargs: Any) -> FakeQueryResult:
        self.calls.append(("query_items", kwargs))
        assert self.query_result is not None
        return self.query_result

    def sdk_calls(self) -> list[str]:
        return [name for name, _ in self.calls if name != "read"]

    def _answer(self, method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((method, kwargs))
        if self.error is not None:
            raise self.error
        assert self.item is not None
        return self.item


class FakeDatabase:
    def __init__(self, client: "FakeCosmosClient", name: str) -> None:
        self._client = client
        self.name = name

    def get_container_client(self, name: str) -> FakeContainer:
        return self._client.containers.setdefault(name, FakeContainer(name))


class FakeCosmosClient:
    """Fake of azure.cosmos.aio.CosmosClient: hands out fake containers by name."""

    def __init__(self) -> None:
        self.containers: dict[str, FakeContainer] = {}
        self.databases: list[str] = []
        self.closed = False

    def get_database_client(self, name: str) -> FakeDatabase:
        self.databases.append(name)
        return FakeDatabase(self, name)

    async def close(self) -> None:
        self.closed = True
