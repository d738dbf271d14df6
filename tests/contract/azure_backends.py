"""Real Cosmos DB and Service Bus backends for the contract suite (emulators or Azure).

Configured only by environment variables, named like the app settings:

- Cosmos DB: ``CosmosDbConnection`` (connection string) or ``CosmosDbConnection__accountEndpoint``
  (+ ``__credential``/``__clientId``), and ``CosmosDbDatabase`` (default ``pierogi-shop``).
  Each test's container (a unique name) is created with the app's partition key and indexing
  policy on first use and deleted afterwards; containers that already existed are left alone.
  Creating containers needs a key or a control-plane role: Cosmos DB's data-plane RBAC roles
  cannot create them.
- Service Bus: ``ServiceBusConnection`` (connection string, also the emulator's) or
  ``ServiceBusConnection__fullyQualifiedNamespace`` (+ ``__credential``/``__clientId``).
  On Azure each test gets its own queue, created and deleted with the administration client
  (needs Manage rights). The emulator cannot create queues at run time, so there, or whenever
  ``ContractTestQueue`` names a queue, the tests share that queue (``contract-tests`` is
  declared in emulators/servicebus/Config.json); a message a test did not send is completed
  and ignored, so leftovers of an earlier test never reach the next one.

Missing settings skip the test, naming the setting.
"""

import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import azure.functions as func
import pytest
from azure.core.credentials_async import AsyncTokenCredential
from azure.cosmos.aio import DatabaseProxy
from azure.cosmos.exceptions import CosmosResourceNotFoundError
from azure.servicebus import ServiceBusReceivedMessage
from azure.servicebus.aio import ServiceBusReceiver
from azure.servicebus.aio.management import ServiceBusAdministrationClient

from local_host.service_bus_message import decode_message, host_binding_data
from shared.adapters.azure_connections import (
    COSMOS_CONNECTION,
    SERVICE_BUS_CONNECTION,
    ServiceBusConnection,
    ServiceBusConnectionString,
    cosmos_connection,
    parse_connection_string,
    service_bus_connection,
)
from shared.adapters.cosmos_documents import CosmosDocumentStore, database_name, open_cosmos_client
from shared.adapters.servicebus_sender import ServiceBusSender, open_service_bus_client
from shared.ports import DocumentStore, DocumentStoreWrapper, MessageSender, OutgoingMessage
from shared.settings import Settings
from tools.provision import ensure_container

T = TypeVar("T")

CONTRACT_TEST_QUEUE = "ContractTestQueue"
EMULATOR_CONTRACT_TEST_QUEUE = "contract-tests"


def azure_settings(connection: str, identity_setting: str) -> Settings:
    """The environment as app settings; skips the test unless the connection is configured."""
    if not (os.environ.get(connection) or os.environ.get(identity_setting)):
        pytest.skip(f"{connection} or {identity_setting} is not set")
    return Settings(os.environ)


# Cosmos DB


def configured_cosmos_settings() -> Settings:
    return azure_settings(COSMOS_CONNECTION, f"{COSMOS_CONNECTION}__accountEndpoint")


@asynccontextmanager
async def cosmos_document_store(
    settings: Settings, partition_fields: Mapping[str, str]
) -> AsyncIterator[DocumentStore]:
    store = CosmosDocumentStore.from_settings(settings, partition_fields)
    # A second client for creating and deleting containers: the store under test stays the
    # store the app builds, with nothing added.
    admin = await open_cosmos_client(cosmos_connection(settings))
    try:
        database = await admin.client.create_database_if_not_exists(id=database_name(settings))
        provisioning = ProvisioningDocumentStore(store, database)
        try:
            yield provisioning
        finally:
            await provisioning.delete_created_containers()
    finally:
        try:
            await store.close()
        finally:
            await admin.close()


class ProvisioningDocumentStore(DocumentStoreWrapper):
    """Creates each container on first use (as tools.provision would), then delegates.

    The contract tests use a new container name per test; in production the containers are
    provisioned once, before the app starts.
    """

    def __init__(self, store: CosmosDocumentStore, database: DatabaseProxy) -> None:
        super().__init__(store)
        self._store = store  # typed as the Cosmos store: provisioning asks it for names
        self._database = database
        self._ready: set[str] = set()
        self._created: list[str] = []

    async def around(self, operation: str, container: str, call: Callable[[], Awaitable[T]]) -> T:
        await self._provision(container)
        return await call()

    async def delete_created_containers(self) -> None:
        for name in self._created:
            await self._database.delete_container(name)
        self._created.clear()

    async def _provision(self, container: str) -> None:
        if container in self._ready:
            return
        name = self._store.container_name(container)
        try:
            await self._database.get_container_client(name).read()
        except CosmosResourceNotFoundError:
            await ensure_container(self._database, name, self._store.partition_key_path(container))
            self._created.append(name)
        self._ready.add(container)


# Service Bus


def configured_service_bus_settings() -> Settings:
    return azure_settings(
        SERVICE_BUS_CONNECTION, f"{SERVICE_BUS_CONNECTION}__fullyQualifiedNamespace"
    )


@asynccontextmanager
async def service_bus_queue(
    settings: Settings, queue_name: str
) -> AsyncIterator["ServiceBusQueue"]:
    connection = service_bus_connection(settings)
    shared_queue = shared_test_queue(settings, connection)
    client, credential = open_service_bus_client(connection)
    admin: ServiceBusAdministrationClient | None = None
    name = shared_queue or queue_name
    try:
        if shared_queue is None:
            admin = administration_client(connection, credential)
            await create_test_queue(admin, name)
        sender = ServiceBusSender.from_settings(settings, name)
        # PEEK_LOCK, like the Functions trigger: the test settles each message itself.
        queue = ServiceBusQueue(sender, client.get_queue_receiver(name))
        try:
            yield queue
        finally:
            await queue.close()
    finally:
        try:
            if admin is not None:
                try:
                    await admin.delete_queue(name)
                finally:
                    await admin.close()
        finally:
            await client.close()
            if credential is not None:
                await credential.close()


def shared_test_queue(settings: Settings, connection: ServiceBusConnection) -> str | None:
    """The queue all tests share, or None to create one per test."""
    configured = settings.get(CONTRACT_TEST_QUEUE)
    if configured:
        return configured
    if isinstance(connection, ServiceBusConnectionString):
        parts = parse_connection_string(SERVICE_BUS_CONNECTION, connection.value)
        if parts.get("UseDevelopmentEmulator", "").lower() == "true":
            return EMULATOR_CONTRACT_TEST_QUEUE
    return None


def administration_client(
    connection: ServiceBusConnection, credential: AsyncTokenCredential | None
) -> ServiceBusAdministrationClient:
    if isinstance(connection, ServiceBusConnectionString):
        return ServiceBusAdministrationClient.from_connection_string(connection.value)
    assert credential is not None, "an identity-based connection comes with its credential"
    return ServiceBusAdministrationClient(connection.endpoint, credential)


async def create_test_queue(admin: ServiceBusAdministrationClient, name: str) -> None:
    """A queue like submit-order (see docs/functions-host.md), removed by Service Bus if left."""
    await admin.create_queue(
        name,
        max_delivery_count=10,
        lock_duration=timedelta(minutes=1),
        requires_duplicate_detection=True,
        duplicate_detection_history_time_window=timedelta(minutes=10),
        dead_lettering_on_message_expiration=False,
        # A safety net for a run that dies before deleting it; 5 minutes is the minimum.
        auto_delete_on_idle=timedelta(minutes=5),
    )


class RecordingSender(MessageSender):
    """The app's sender, noting which message ids this test sent (nothing else changes)."""

    def __init__(self, sender: MessageSender) -> None:
        self._sender = sender
        self.sent_message_ids: set[str] = set()

    async def send(self, message: OutgoingMessage) -> None:
        self.sent_message_ids.add(message.message_id)
        await self._sender.send(message)

    async def close(self) -> None:
        await self._sender.close()


class ServiceBusQueue:
    """A Service Bus queue seen from both ends: the app's sender and a peek-lock receiver."""

    def __init__(self, sender: MessageSender, receiver: ServiceBusReceiver) -> None:
        self._recording = RecordingSender(sender)
        self.sender: MessageSender = self._recording
        self._receiver = receiver
        # The trigger's message does not carry the SDK's, which settles it: keep it by lock token.
        self._received: dict[str, ServiceBusReceivedMessage] = {}

    # timeout: how long to wait for a message (QueueUnderTest's signature), not a cancellation.
    async def receive_one(self, timeout: float) -> func.ServiceBusMessage | None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            batch = await self._receiver.receive_messages(
                max_message_count=1, max_wait_time=remaining
            )
            for message in batch:
                if message.message_id not in self._recording.sent_message_ids:
                    # Left over from an earlier test on a shared queue: not this test's.
                    await self._receiver.complete_message(message)
                    continue
                converted = to_function_message(message)
                assert converted.lock_token is not None
                self._received[converted.lock_token] = message
                return converted
        return None

    async def complete(self, message: func.ServiceBusMessage) -> None:
        await self._receiver.complete_message(self._own(message))

    async def abandon(self, message: func.ServiceBusMessage) -> None:
        await self._receiver.abandon_message(self._own(message))

    async def close(self) -> None:
        try:
            await self._receiver.close()
        finally:
            await self.sender.close()

    def _own(self, message: func.ServiceBusMessage) -> ServiceBusReceivedMessage:
        assert message.lock_token is not None
        return self._received.pop(message.lock_token)


def to_function_message(message: ServiceBusReceivedMessage) -> func.ServiceBusMessage:
    """The message as a Python serviceBusTrigger function receives it from the Functions host.

    Through the local host's path: host-shaped binding data decoded by azure.functions' own
    converter. The Python SDK exposes the raw AMQP values: bytes keys and strings, and the AMQP
    header's count of *previous* deliveries (0 on the first), where the host (the .NET SDK) has
    strings and a count that is 1 on the first delivery, so both are converted here.
    """
    return decode_message(
        b"".join(cast(Iterable[bytes], message.body)),
        host_binding_data(
            message_id=message.message_id,
            delivery_count=(message.delivery_count or 0) + 1,
            sequence_number=message.sequence_number or 0,
            enqueued_time_utc=cast(datetime, message.enqueued_time_utc),
            lock_token=str(message.lock_token) if message.lock_token is not None else None,
            correlation_id=message.correlation_id,
            content_type=message.content_type,
            subject=message.subject,
            application_properties=decoded_properties(message.application_properties),
        ),
    )


def decoded_properties(properties: Mapping[Any, Any] | None) -> dict[str, Any]:
    return {_text(key): _text(value) for key, value in (properties or {}).items()}


def _text(value: Any) -> Any:
    return value.decode("utf-8") if isinstance(value, bytes) else value
