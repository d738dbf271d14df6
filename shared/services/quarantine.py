"""Putting poison messages aside, and sending them again once whatever made them fail is fixed."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.domain.timestamps import as_utc
from shared.poison_store import PoisonRecord, PoisonStore, body_fields, record_id
from shared.ports import MessageSender, OutgoingMessage
from shared.services.clock import Clock
from shared.services.order_placing import PoisonMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveredMessage:
    """What the poison store keeps of a delivered message (the trigger's message, unwrapped)."""

    queue: str
    body: bytes
    message_id: str | None
    correlation_id: str | None = None
    content_type: str | None = None
    subject: str | None = None
    application_properties: Mapping[str, Any] = field(default_factory=dict)
    delivery_count: int | None = None
    # UTC; naive as the Service Bus trigger delivers it (see as_utc).
    enqueued_time_utc: datetime | None = None


class PoisonRecordNotFound(Exception):
    def __init__(self, queue: str, id: str) -> None:
        super().__init__(f"No poison message '{id}' of queue '{queue}' in the poison store.")


def requeued_message_id(record: PoisonRecord) -> str:
    # A new id: the queue's duplicate detection would silently drop the original one.
    return f"{record.message_id or record.id}:requeue:{record.requeue_count + 1}"


class Quarantine:
    def __init__(self, poison: PoisonStore, sender: MessageSender, clock: Clock) -> None:
        self._poison = poison
        self._sender = sender
        self._clock = clock

    async def hold(self, message: DeliveredMessage, poison: PoisonMessage) -> PoisonRecord:
        """Record the message in the poison store (once, however often it is delivered)."""
        body_base64, body_text = body_fields(message.body)
        record = PoisonRecord(
            id=record_id(message.message_id, message.body),
            queue=message.queue,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            content_type=message.content_type,
            subject=message.subject,
            application_properties=dict(message.application_properties),
            reason=poison.reason,
            description=poison.description,
            body_base64=body_base64,
            body_text=body_text,
            delivery_count=message.delivery_count,
            enqueued_time_utc=(
                None if message.enqueued_time_utc is None else as_utc(message.enqueued_time_utc)
            ),
            recorded_at=self._clock(),
        )
        if await self._poison.add_if_absent(record):
            log.error(
                "Poison message %s on %s (%s: %s) recorded in the poison store as %s",
                message.message_id,
                message.queue,
                poison.reason,
                poison.description,
                record.id,
            )
        else:
            log.warning("Poison message %s was already in the poison store", message.message_id)
        return record

    async def requeue(self, queue: str, id: str) -> str:
        """Send the recorded message to its queue again, with a new message id; returns it.

        Sent before the record is marked, so a failure in between can only cause a second
        send of a message the idempotent handler tolerates - never a message that is lost.
        """
        saved = await self._poison.get(queue, id)
        if saved is None:
            raise PoisonRecordNotFound(queue, id)
        record = saved.value
        new_id = requeued_message_id(record)
        await self._sender.send(
            OutgoingMessage(
                body=record.body,
                message_id=new_id,
                correlation_id=record.correlation_id,
                content_type=record.content_type or "application/octet-stream",
                subject=record.subject,
                application_properties={
                    name: value
                    for name, value in record.application_properties.items()
                    if isinstance(value, str | int) and not isinstance(value, bool)
                },
            )
        )
        await self._poison.mark_requeued(saved, new_id, self._clock())
        log.info("Poison message %s re-sent to %s as %s", record.id, queue, new_id)
        return new_id
