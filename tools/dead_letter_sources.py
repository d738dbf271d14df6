"""Where dead-lettered messages live, behind one small interface for the dead-letter command."""

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from shared.adapters.sqlite_queue import DeadLetteredMessage, SqliteQueue
from shared.poison_store import PoisonRecord, body_fields

DESCRIPTION_WIDTH = 70

# Whether the order a message asks for exists: "-" when its body names no order.
OrderState = Literal["placed", "missing", "-"]


class EntryNotFound(Exception):
    pass


@dataclass(frozen=True)
class Entry:
    """One poison or dead-lettered message, as the command lists and shows it."""

    source: Literal["poison", "dlq"]
    id: str
    status: str
    reason: str
    description: str
    delivery_count: int | None
    when: datetime  # recorded in the poison store, or dead-lettered
    details: dict[str, Any]
    sequence_number: int | None = None

    def row(self) -> tuple[str, ...]:
        description = " ".join(self.description.split())
        if len(description) > DESCRIPTION_WIDTH:
            description = description[: DESCRIPTION_WIDTH - 3] + "..."
        return (
            self.source,
            self.id,
            self.status,
            self.reason,
            "" if self.delivery_count is None else str(self.delivery_count),
            self.when.strftime("%Y-%m-%d %H:%M:%S"),
            description,
        )


def poison_entry(record: PoisonRecord) -> Entry:
    return Entry(
        source="poison",
        id=record.id,
        status=record.status,
        reason=record.reason,
        description=record.description,
        delivery_count=record.delivery_count,
        when=record.recorded_at,
        details=record.model_dump(mode="json", by_alias=True),
    )


def order_named_in(entry: Entry) -> tuple[str, str] | None:
    """(customer, order id) of a SubmitOrder body, read leniently: a dead letter may be garbage."""
    text = entry.details.get("bodyText")
    try:
        body = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    customer, order_id = body.get("customer"), body.get("orderId")
    if isinstance(customer, str) and customer and isinstance(order_id, str) and order_id:
        return customer, order_id
    return None


def dead_letter_details(
    message_id: str,
    body: bytes,
    *,
    correlation_id: str | None,
    content_type: str | None,
    application_properties: dict[str, Any],
    reason: str,
    description: str,
    delivery_count: int,
    enqueued: datetime | None,
    dead_lettered: datetime | None,
    sequence_number: int | None,
) -> dict[str, Any]:
    body_base64, body_text = body_fields(body)
    return {
        "messageId": message_id,
        "sequenceNumber": sequence_number,
        "correlationId": correlation_id,
        "contentType": content_type,
        "applicationProperties": application_properties,
        "deadLetterReason": reason,
        "deadLetterErrorDescription": description,
        "deliveryCount": delivery_count,
        "enqueuedTimeUtc": enqueued.isoformat() if enqueued else None,
        "deadLetteredAtUtc": dead_lettered.isoformat() if dead_lettered else None,
        "bodyBase64": body_base64,
        "bodyText": body_text,
    }


class DeadLetterSource(ABC):
    """A queue's dead-letter sub-queue."""

    @abstractmethod
    async def newest(self, limit: int) -> list[Entry]: ...

    @abstractmethod
    async def find(self, id: str) -> list[Entry]:
        """Dead letters whose message id (or sequence number) is ``id``."""

    @abstractmethod
    async def requeue(self, entry: Entry) -> str:
        """Put the dead letter back on its queue; a line saying what was done."""

    @abstractmethod
    async def purge(self, entries: Sequence[Entry]) -> list[Entry]:
        """Remove these dead letters for good, in one pass; those removed (the others were no
        longer there)."""

    @abstractmethod
    async def close(self) -> None: ...


def _embedded_entry(message: DeadLetteredMessage) -> Entry:
    return Entry(
        source="dlq",
        id=message.message_id,
        status="dead-lettered",
        reason=message.dead_letter_reason,
        description=message.dead_letter_error_description,
        delivery_count=message.delivery_count,
        when=message.dead_lettered_at_utc,
        sequence_number=message.sequence_number,
        details=dead_letter_details(
            message.message_id,
            message.body,
            correlation_id=message.correlation_id,
            content_type=message.content_type,
            application_properties=message.application_properties,
            reason=message.dead_letter_reason,
            description=message.dead_letter_error_description,
            delivery_count=message.delivery_count,
            enqueued=message.enqueued_time_utc,
            dead_lettered=message.dead_lettered_at_utc,
            sequence_number=message.sequence_number,
        ),
    )


# The embedded queue returns its dead letters oldest first, up to a limit: read this many to
# find one by id or to list the newest.
MAX_EMBEDDED_DEAD_LETTERS = 100_000


class EmbeddedDeadLetters(DeadLetterSource):
    def __init__(self, queue: SqliteQueue) -> None:
        self._queue = queue

    async def newest(self, limit: int) -> list[Entry]:
        messages = await self._queue.dead_letters(MAX_EMBEDDED_DEAD_LETTERS)
        return [_embedded_entry(message) for message in reversed(messages[-limit:])]

    async def find(self, id: str) -> list[Entry]:
        messages = await self._queue.dead_letters(MAX_EMBEDDED_DEAD_LETTERS)
        return [
            _embedded_entry(m) for m in messages if id in (m.message_id, str(m.sequence_number))
        ]

    async def requeue(self, entry: Entry) -> str:
        # In place, with a fresh delivery count: no send, so duplicate detection is not involved
        # and the message keeps its id.
        assert entry.sequence_number is not None
        if not await self._queue.requeue_dead_letter(entry.sequence_number):
            raise EntryNotFound(f"Dead letter {entry.id} is no longer dead-lettered.")
        return (
            f"Re-queued dead letter {entry.id} (sequence number {entry.sequence_number})"
            " in place, with a fresh delivery count"
        )

    async def purge(self, entries: Sequence[Entry]) -> list[Entry]:
        # One point delete each: nothing is scanned.
        return [
            entry
            for entry in entries
            if entry.sequence_number is not None
            and await self._queue.delete_dead_letter(entry.sequence_number)
        ]

    async def close(self) -> None:
        await self._queue.close()
