"""Messages as Service Bus puts them on the wire: the broker-owned annotations and properties.

The SDK reads the sequence number, enqueue time and lock expiry from message annotations, the
delivery count from the AMQP header, the lock token from the delivery tag (a .NET GUID, so
the UUID's little-endian bytes), and a dead letter's reason and description from application
properties (names from azure/servicebus/_common/constants.py).
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from proton import Message, symbol, timestamp

from tests.stand_ins.servicebus.queue import StoredMessage

SEQUENCE_NUMBER = symbol("x-opt-sequence-number")
ENQUEUED_TIME = symbol("x-opt-enqueued-time")
LOCKED_UNTIL = symbol("x-opt-locked-until")
LOCK_TOKEN = symbol("x-opt-lock-token")
DEAD_LETTER_SOURCE = symbol("x-opt-deadletter-source")
DEAD_LETTER_REASON = "DeadLetterReason"
DEAD_LETTER_DESCRIPTION = "DeadLetterErrorDescription"


def decoded(encoded: bytes) -> Message:
    message = Message()
    message.decode(encoded)
    return message


def as_delivered(stored: StoredMessage) -> Message:
    """The stored message with what the broker adds on every delivery or peek."""
    message = decoded(stored.encoded)
    message.delivery_count = stored.delivery_count
    # Proton leaves out a count of 0 (AMQP's default), which the SDK then reads as None.
    message.first_acquirer = stored.delivery_count == 0
    annotations = dict(message.annotations or {})
    annotations[SEQUENCE_NUMBER] = stored.sequence_number
    annotations[ENQUEUED_TIME] = _timestamp(stored.enqueued_at)
    if stored.locked_until is not None:
        annotations[LOCKED_UNTIL] = _timestamp(stored.locked_until)
    if stored.dead_letter_source is not None:
        annotations[DEAD_LETTER_SOURCE] = stored.dead_letter_source
    message.annotations = annotations
    if stored.dead_letter_source is not None:
        properties: dict[str, Any] = dict(message.properties or {})
        if stored.dead_letter_reason is not None:
            properties[DEAD_LETTER_REASON] = stored.dead_letter_reason
        if stored.dead_letter_description is not None:
            properties[DEAD_LETTER_DESCRIPTION] = stored.dead_letter_description
        message.properties = properties  # type: ignore[assignment]  # stub says None
    return message


def delivery_tag(lock_token: uuid.UUID) -> bytes:
    return lock_token.bytes_le


def _timestamp(moment: datetime) -> timestamp:
    return timestamp(int(moment.astimezone(UTC).timestamp() * 1000))
