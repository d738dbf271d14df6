"""The dead-letter sub-queue of a Service Bus queue, for the dead-letter command.

Kept apart from the embedded source; tested against the Service Bus test broker
(tests/integration/test_dead_letters_servicebus.py). Listing peeks (nothing is locked or
changed). Re-queueing and purging receive the dead letters in peek-lock mode, in one pass,
until they hold every one asked for, then abandon the others they locked (each at most once, so
a purge of many raises no delivery count by more than one). Re-queueing sends the body to the
queue under a new message id and completes the dead letter; purging completes them.
"""

import re
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from azure.servicebus import ServiceBusMessage, ServiceBusReceivedMessage, ServiceBusSubQueue
from azure.servicebus.aio import ServiceBusReceiver

from shared.adapters.azure_connections import service_bus_connection
from shared.adapters.servicebus_sender import ServiceBusConnectionHandle, open_service_bus_sender
from shared.settings import Settings
from tools.dead_letter_sources import DeadLetterSource, Entry, EntryNotFound, dead_letter_details

PEEK_BATCH = 100
# Bounds on a re-queue's search through the dead letters.
MAX_SCANNED = 5000
RECEIVE_WAIT_SECONDS = 5.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Set by Service Bus on a dead letter, among its application properties.
DEAD_LETTER_PROPERTIES = frozenset({"DeadLetterReason", "DeadLetterErrorDescription"})

_REQUEUED = re.compile(r"^(?P<original>.*):requeue:(?P<count>\d+)$")


def requeue_id(message_id: str) -> str:
    """``<id>:requeue:1``, or the next count if the message was re-queued before."""
    found = _REQUEUED.match(message_id)
    if found is None:
        return f"{message_id}:requeue:1"
    return f"{found['original']}:requeue:{int(found['count']) + 1}"


def _body(message: ServiceBusReceivedMessage) -> bytes:
    return b"".join(bytes(part) for part in message.body)


def _properties(message: ServiceBusReceivedMessage) -> dict[str, Any]:
    return {
        (k.decode() if isinstance(k, bytes) else str(k)): (
            v.decode() if isinstance(v, bytes) else v
        )
        for k, v in (message.application_properties or {}).items()
    }


def _resent_properties(message: ServiceBusReceivedMessage) -> dict[Any, Any]:
    """The application properties the sender set: Service Bus added the dead-letter ones."""
    return {
        key: value
        for key, value in (message.application_properties or {}).items()
        if (key.decode() if isinstance(key, bytes) else str(key)) not in DEAD_LETTER_PROPERTIES
    }


def _entry(message: ServiceBusReceivedMessage) -> Entry:
    reason = message.dead_letter_reason or ""
    description = message.dead_letter_error_description or ""
    enqueued = message.enqueued_time_utc
    return Entry(
        source="dlq",
        id=str(message.message_id),
        status="dead-lettered",
        reason=reason,
        description=description,
        delivery_count=message.delivery_count,
        # The SDK does not expose the dead-lettering time; the enqueue time stands in for it.
        when=enqueued if enqueued is not None else EPOCH,
        sequence_number=message.sequence_number,
        details=dead_letter_details(
            str(message.message_id),
            _body(message),
            correlation_id=message.correlation_id,
            content_type=message.content_type,
            application_properties=_properties(message),
            reason=reason,
            description=description,
            delivery_count=message.delivery_count or 0,
            enqueued=enqueued,
            dead_lettered=None,
            sequence_number=message.sequence_number,
        ),
    )


class ServiceBusDeadLetters(DeadLetterSource):
    def __init__(self, settings: Settings, queue: str) -> None:
        self._connection = service_bus_connection(settings)
        self._queue = queue
        self._handle: ServiceBusConnectionHandle | None = None

    @classmethod
    def from_settings(cls, settings: Settings, queue: str) -> "ServiceBusDeadLetters":
        return cls(settings, queue)

    async def _open(self) -> ServiceBusConnectionHandle:
        if self._handle is None:
            self._handle = await open_service_bus_sender(self._connection, self._queue)
        return self._handle

    def _receiver(self, handle: ServiceBusConnectionHandle) -> ServiceBusReceiver:
        return handle.client.get_queue_receiver(
            self._queue,
            sub_queue=ServiceBusSubQueue.DEAD_LETTER,
            max_wait_time=RECEIVE_WAIT_SECONDS,
        )

    async def newest(self, limit: int) -> list[Entry]:
        entries = await self._peek_all(limit=MAX_SCANNED)
        return sorted(entries, key=lambda e: e.when, reverse=True)[:limit]

    async def find(self, id: str) -> list[Entry]:
        entries = await self._peek_all(limit=MAX_SCANNED)
        return [e for e in entries if id in (e.id, str(e.sequence_number))]

    async def _peek_all(self, limit: int) -> list[Entry]:
        handle = await self._open()
        entries: list[Entry] = []
        async with self._receiver(handle) as receiver:
            next_sequence = 0
            while len(entries) < limit:
                batch = await receiver.peek_messages(PEEK_BATCH, sequence_number=next_sequence)
                if not batch:
                    break
                entries.extend(_entry(message) for message in batch)
                next_sequence = max(m.sequence_number or 0 for m in batch) + 1
        return entries

    async def requeue(self, entry: Entry) -> str:
        handle = await self._open()
        async with self._receiver(handle) as receiver:
            found = await self._receive(receiver, {entry.sequence_number or 0})
            if not found:
                raise EntryNotFound(f"Dead letter {entry.id} was not found (already re-queued?).")
            return await self._resend(handle, receiver, found[0])

    async def purge(self, entries: Sequence[Entry]) -> list[Entry]:
        by_number = {e.sequence_number: e for e in entries if e.sequence_number is not None}
        handle = await self._open()
        async with self._receiver(handle) as receiver:
            found = await self._receive(receiver, set(by_number))
            for message in found:
                await receiver.complete_message(message)
        return [by_number[message.sequence_number or 0] for message in found]

    @staticmethod
    async def _receive(
        receiver: ServiceBusReceiver, wanted: Collection[int]
    ) -> list[ServiceBusReceivedMessage]:
        """The wanted dead letters (by sequence number) that are there, locked, in one pass;
        the others received on the way are abandoned."""
        found: list[ServiceBusReceivedMessage] = []
        held: list[ServiceBusReceivedMessage] = []
        try:
            while len(found) < len(wanted) and len(found) + len(held) < MAX_SCANNED:
                batch = await receiver.receive_messages(PEEK_BATCH)
                if not batch:
                    break
                for message in batch:
                    (found if message.sequence_number in wanted else held).append(message)
        finally:
            for message in held:
                await receiver.abandon_message(message)
        return found

    async def _resend(
        self,
        handle: ServiceBusConnectionHandle,
        receiver: ServiceBusReceiver,
        message: ServiceBusReceivedMessage,
    ) -> str:
        new_id = requeue_id(str(message.message_id))
        await handle.sender.send_messages(
            ServiceBusMessage(
                _body(message),
                message_id=new_id,
                correlation_id=message.correlation_id,
                content_type=message.content_type,
                subject=message.subject,
                application_properties=_resent_properties(message),
            )
        )
        # Sent first, completed second: a failure in between leaves a duplicate, not a loss.
        await receiver.complete_message(message)
        return f"Re-queued dead letter {message.message_id} as {new_id}"

    async def close(self) -> None:
        if self._handle is not None:
            await self._handle.close()
