"""The poison store: messages that can never succeed, kept as documents for people to inspect.

The Python Service Bus trigger cannot dead-letter a message explicitly (returning completes it,
raising abandons it), so a message the handler rejects as poison is recorded here and then
completed: it is neither retried pointlessly nor left in the way of the messages behind it.
Container ``poison-messages``, partitioned by the record's ``queue`` field (Cosmos DB: /queue),
id derived from the message id.
"""

import base64
import hashlib
from datetime import datetime
from typing import Any, Literal

from shared.document_rules import is_valid_key
from shared.domain.model import CamelModel
from shared.domain.timestamps import UtcDateTime
from shared.ports import DocumentAlreadyExists, DocumentStore
from shared.repositories import Versioned, to_document

POISON_MESSAGES = "poison-messages"
# The records of one queue share a partition: the field holding the queue's name.
PARTITION_FIELD = "queue"


class PoisonRecord(CamelModel):
    id: str
    queue: str  # the queue the message came from; the partition (PARTITION_FIELD)
    message_id: str | None
    correlation_id: str | None
    content_type: str | None
    subject: str | None
    application_properties: dict[str, Any]
    reason: str
    description: str
    body_base64: str
    # The body as text when it is UTF-8, for people reading the record; None otherwise.
    body_text: str | None
    delivery_count: int | None
    enqueued_time_utc: UtcDateTime | None
    recorded_at: UtcDateTime
    status: Literal["poisoned", "requeued"] = "poisoned"
    requeue_count: int = 0
    requeued_as: str | None = None
    requeued_at: UtcDateTime | None = None

    @property
    def body(self) -> bytes:
        return base64.b64decode(self.body_base64)


def record_id(message_id: str | None, body: bytes) -> str:
    """The record's id: the message id when it is a valid document id, else a digest.

    Keyed on the message id, so the same poison message delivered again is recorded once.
    """
    if message_id and is_valid_key(message_id):
        return message_id
    digest = hashlib.sha256((message_id or "").encode() + b"\0" + body).hexdigest()
    return f"sha256-{digest}"


def body_fields(body: bytes) -> tuple[str, str | None]:
    """The body as base64, and as text when it decodes as UTF-8."""
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return base64.b64encode(body).decode("ascii"), text


class PoisonStore:
    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def add_if_absent(self, record: PoisonRecord) -> bool:
        """Store the record; False (not an error) if this message is already recorded."""
        try:
            await self._store.create(POISON_MESSAGES, record.queue, to_document(record))
        except DocumentAlreadyExists:
            return False
        return True

    async def get(self, queue: str, id: str) -> Versioned[PoisonRecord] | None:
        if not is_valid_key(id):
            return None  # record_id never gives such an id: no record has it.
        document = await self._store.read(POISON_MESSAGES, queue, id)
        if document is None:
            return None
        return Versioned(PoisonRecord.model_validate(document.body), document.etag)

    async def newest(self, queue: str, *, limit: int) -> list[PoisonRecord]:
        """Up to ``limit`` records of the queue, most recently recorded first."""
        records: list[PoisonRecord] = []
        token: str | None = None
        while len(records) < limit:
            page = await self._store.query(
                POISON_MESSAGES,
                queue,
                where={},
                newest_first_by="recordedAt",
                limit=min(100, limit - len(records)),
                continuation_token=token,
            )
            records.extend(PoisonRecord.model_validate(d.body) for d in page.documents)
            token = page.continuation_token
            if token is None:
                break
        return records

    async def mark_requeued(
        self, saved: Versioned[PoisonRecord], requeued_as: str, now: datetime
    ) -> None:
        """Note that the message was sent again as ``requeued_as``; raises PreconditionFailed
        if the record changed since it was read (another requeue of it ran concurrently)."""
        record = saved.value.model_copy(
            update={
                "status": "requeued",
                "requeue_count": saved.value.requeue_count + 1,
                "requeued_as": requeued_as,
                "requeued_at": now,
            }
        )
        await self._store.replace(
            POISON_MESSAGES, record.queue, to_document(record), if_match=saved.etag
        )
