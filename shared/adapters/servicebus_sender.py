"""The message sender on Azure Service Bus, through the azure-servicebus aio SDK."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from azure.core.credentials_async import AsyncTokenCredential
from azure.servicebus import ServiceBusMessage
from azure.servicebus.aio import ServiceBusClient
from azure.servicebus.aio import ServiceBusSender as SdkSender

from shared.adapters.azure_connections import (
    ServiceBusConnection,
    ServiceBusConnectionString,
    async_credential,
    quiet_sdk_loggers,
    service_bus_connection,
)
from shared.ports import MessageSender, OutgoingMessage
from shared.settings import Settings

# The SDK retries transient AMQP errors itself (exponential back-off); these bound how long a
# send may take before the caller sees the error - the outbox then sends the message later.
RETRY_TOTAL = 3
RETRY_BACKOFF_MAX_SECONDS = 30.0


@dataclass(frozen=True)
class ServiceBusConnectionHandle:
    """An opened client, its sender for one queue, and the credential they own (if any)."""

    client: ServiceBusClient
    sender: SdkSender
    credential: AsyncTokenCredential | None = None

    async def close(self) -> None:
        try:
            try:
                await self.sender.close()
            finally:
                await self.client.close()
        finally:
            if self.credential is not None:
                await self.credential.close()


Connect = Callable[[], Awaitable[ServiceBusConnectionHandle]]


def open_service_bus_client(
    connection: ServiceBusConnection,
) -> tuple[ServiceBusClient, AsyncTokenCredential | None]:
    """A client for the connection, and the credential it owns (None for connection strings)."""
    quiet_sdk_loggers()
    if isinstance(connection, ServiceBusConnectionString):
        # Also the emulator's string: the SDK honours UseDevelopmentEmulator=true (no TLS).
        client = ServiceBusClient.from_connection_string(
            connection.value,
            retry_total=RETRY_TOTAL,
            retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
        )
        return client, None
    credential = async_credential(connection)
    client = ServiceBusClient(
        connection.endpoint,
        credential,
        retry_total=RETRY_TOTAL,
        retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    )
    return client, credential


async def open_service_bus_sender(
    connection: ServiceBusConnection, queue_name: str
) -> ServiceBusConnectionHandle:
    """Create the client and the queue's sender: once per process, on first send."""
    client, credential = open_service_bus_client(connection)
    # The sender's AMQP link opens on its first send; creating it does no I/O.
    return ServiceBusConnectionHandle(client, client.get_queue_sender(queue_name), credential)


class ServiceBusSender(MessageSender):
    """Sends to one queue over one AMQP connection, opened on first use and then reused."""

    def __init__(self, connect: Connect, queue_name: str) -> None:
        self._connect = connect
        self._queue_name = queue_name
        self._handle: ServiceBusConnectionHandle | None = None
        # The SDK's clients and senders are not safe for concurrent use: one sender's AMQP
        # link must not carry two sends at once, nor be opened twice by racing first sends.
        # Sends are short (one round trip), so serialising them on this process's single
        # sender costs little; a pool of senders would add connections the emulator limits.
        self._lock = asyncio.Lock()
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Settings, queue_name: str) -> "ServiceBusSender":
        # Parsed now, so a missing or malformed setting fails at startup, naming the setting.
        connection = service_bus_connection(settings)

        async def connect() -> ServiceBusConnectionHandle:
            return await open_service_bus_sender(connection, queue_name)

        return cls(connect, queue_name)

    @property
    def queue_name(self) -> str:
        return self._queue_name

    async def send(self, message: OutgoingMessage) -> None:
        sdk_message = to_service_bus_message(message)
        async with self._lock:
            if self._closed:
                raise RuntimeError("The Service Bus sender is closed.")
            if self._handle is None:
                self._handle = await self._connect()
            await self._handle.sender.send_messages(sdk_message)

    async def check_reachable(self) -> None:
        """Open the connection and the queue's sender link (CBS authorisation included).

        Opening an open link costs nothing; a send that finds it broken reconnects.
        """
        async with self._lock:
            if self._closed:
                raise RuntimeError("The Service Bus sender is closed.")
            if self._handle is None:
                self._handle = await self._connect()
            # The context-manager entry is the SDK's way to open a sender before a send.
            await self._handle.sender.__aenter__()

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            handle, self._handle = self._handle, None
        if handle is not None:
            await handle.close()


def to_service_bus_message(message: OutgoingMessage) -> ServiceBusMessage:
    """The SDK message carrying the port's message id, correlation id and properties.

    The message id is what Service Bus duplicate detection keys on, so a re-send of the same
    outgoing message (the outbox retrying) is dropped by the queue, not delivered twice.
    """
    return ServiceBusMessage(
        message.body,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        content_type=message.content_type,
        subject=message.subject,
        application_properties=_application_properties(message) or None,
    )


def _application_properties(
    message: OutgoingMessage,
) -> dict[str | bytes, int | float | bytes | bool | str | UUID]:
    # A new dict typed as the SDK declares it (dict is invariant in its value type).
    return {name: value for name, value in message.application_properties.items()}
