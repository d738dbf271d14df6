"""The backends the contract suite runs against, each built by a small async context manager.

- ``sqlite``: the embedded store and queue, on a temporary directory.
- ``cosmos-stand-in`` / ``servicebus-broker``: the Azure adapters over the real SDKs and a real
  wire, against the stand-in servers of tests/stand_ins (started once per session by
  conftest.py). They always run.
- ``cosmos`` / ``servicebus``: the same adapters against the services the environment names
  (the emulators or Azure; ``make test-azure``), skipped when their settings are missing.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Protocol

import azure.functions as func
import pytest

from local_host.service_bus_message import to_function_message
from shared.adapters.azure_connections import COSMOS_CONNECTION, SERVICE_BUS_CONNECTION
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.adapters.sqlite_queue import ReceivedMessage, SqliteQueue
from shared.ports import DocumentStore, MessageSender
from shared.settings import Settings


class QueueUnderTest(Protocol):
    """A queue seen from both ends: the app's sender, and the trigger that receives."""

    sender: MessageSender

    # Not a cancellation timeout but how long to wait for a message (Service Bus receivers take
    # it as max_wait_time), and an empty queue is an answer, not an error: hence the noqa.
    async def receive_one(self, timeout: float) -> func.ServiceBusMessage | None:  # noqa: ASYNC109
        """The next message as a serviceBusTrigger would get it, or None after ``timeout`` s."""
        ...

    async def complete(self, message: func.ServiceBusMessage) -> None: ...

    async def abandon(self, message: func.ServiceBusMessage) -> None: ...


# Each factory gets the test's request (for the stand-in fixtures), a temporary directory and
# the partition field of each container the test uses.
DocumentStoreFactory = Callable[
    [pytest.FixtureRequest, Path, Mapping[str, str]], AbstractAsyncContextManager[DocumentStore]
]
QueueFactory = Callable[
    [pytest.FixtureRequest, Path, str], AbstractAsyncContextManager[QueueUnderTest]
]


@asynccontextmanager
async def sqlite_document_store(
    request: pytest.FixtureRequest, tmp_path: Path, partition_fields: Mapping[str, str]
) -> AsyncIterator[DocumentStore]:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite3", partition_fields)
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def cosmos_document_store(
    request: pytest.FixtureRequest, tmp_path: Path, partition_fields: Mapping[str, str]
) -> AsyncIterator[DocumentStore]:
    # Imported here: the embedded backends run without the Azure SDKs loaded.
    from tests.contract import azure_backends

    settings = azure_backends.configured_cosmos_settings()
    async with azure_backends.cosmos_document_store(settings, partition_fields) as store:
        yield store


@asynccontextmanager
async def cosmos_stand_in_document_store(
    request: pytest.FixtureRequest, tmp_path: Path, partition_fields: Mapping[str, str]
) -> AsyncIterator[DocumentStore]:
    from tests.contract import azure_backends

    connection: str = request.getfixturevalue("cosmosdb_stand_in")
    settings = Settings({COSMOS_CONNECTION: connection})
    async with azure_backends.cosmos_document_store(settings, partition_fields) as store:
        yield store


class SqliteQueueUnderTest:
    """The embedded queue, with received messages converted as the local host converts them."""

    POLL_INTERVAL_SECONDS = 0.02

    def __init__(self, queue: SqliteQueue) -> None:
        self.sender: MessageSender = queue
        self._queue = queue
        # The trigger object does not carry the queue's own message, so keep it by lock token.
        self._received: dict[str, ReceivedMessage] = {}

    async def receive_one(self, timeout: float) -> func.ServiceBusMessage | None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while True:
            received = await self._queue.receive(max_messages=1)
            if received:
                message = received[0]
                self._received[message.lock_token] = message
                return to_function_message(message)
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(self.POLL_INTERVAL_SECONDS)

    async def complete(self, message: func.ServiceBusMessage) -> None:
        await self._queue.complete(self._own(message))

    async def abandon(self, message: func.ServiceBusMessage) -> None:
        await self._queue.abandon(self._own(message))

    def _own(self, message: func.ServiceBusMessage) -> ReceivedMessage:
        assert message.lock_token is not None
        return self._received.pop(message.lock_token)


@asynccontextmanager
async def sqlite_queue(
    request: pytest.FixtureRequest, tmp_path: Path, queue_name: str
) -> AsyncIterator[QueueUnderTest]:
    queue = SqliteQueue(tmp_path / "queue.sqlite3", queue_name)
    try:
        yield SqliteQueueUnderTest(queue)
    finally:
        await queue.close()


@asynccontextmanager
async def service_bus_queue(
    request: pytest.FixtureRequest, tmp_path: Path, queue_name: str
) -> AsyncIterator[QueueUnderTest]:
    from tests.contract import azure_backends

    settings = azure_backends.configured_service_bus_settings()
    async with azure_backends.service_bus_queue(settings, queue_name) as queue:
        yield queue


@asynccontextmanager
async def service_bus_broker_queue(
    request: pytest.FixtureRequest, tmp_path: Path, queue_name: str
) -> AsyncIterator[QueueUnderTest]:
    from tests.contract import azure_backends

    connection: str = request.getfixturevalue("servicebus_stand_in")
    settings = Settings({SERVICE_BUS_CONNECTION: connection})
    async with azure_backends.service_bus_queue(settings, queue_name) as queue:
        yield queue


# The variants that need a reachable service (marked ``azure``; make test-azure runs them).
CONFIGURED_SERVICES = frozenset({"cosmos", "servicebus"})

DOCUMENT_STORES: dict[str, DocumentStoreFactory] = {
    "sqlite": sqlite_document_store,
    "cosmos-stand-in": cosmos_stand_in_document_store,
    "cosmos": cosmos_document_store,
}

QUEUES: dict[str, QueueFactory] = {
    "sqlite": sqlite_queue,
    "servicebus-broker": service_bus_broker_queue,
    "servicebus": service_bus_queue,
}


def unique(prefix: str) -> str:
    """A name or id no other test, and no other run sharing an Azure account, uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
