"""Turns a message received from the embedded queue into what a serviceBusTrigger function gets.

The Functions host hands a Python function an ``azure.functions.ServiceBusMessage`` built from
the body and the trigger metadata (a mapping of ``meta.Datum`` values). Building the same class,
with the same metadata, means the function code runs locally exactly as it does in Azure.
"""

import json
from datetime import datetime

import azure.functions as func
from azure.functions import meta, servicebus

from shared.adapters.sqlite_queue import ReceivedMessage


def to_function_message(message: ReceivedMessage) -> func.ServiceBusMessage:
    # func.ServiceBusMessage is the interface functions annotate; the worker builds this subclass.
    return servicebus.ServiceBusMessage(
        body=message.body,
        trigger_metadata=_trigger_metadata(message),
        # Separate copies: the function may change one without affecting the other.
        application_properties=dict(message.application_properties),
        user_properties=dict(message.application_properties),
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        content_type=message.content_type,
        subject=message.subject,
        # Label is the Service Bus SDK 4 name of Subject; the binding still fills in both.
        label=message.subject,
        delivery_count=message.delivery_count,
        enqueued_time_utc=message.enqueued_time_utc,
        locked_until=message.locked_until_utc,
        lock_token=message.lock_token,
        sequence_number=message.sequence_number,
    )


def _trigger_metadata(message: ReceivedMessage) -> dict[str, meta.Datum]:
    """The binding data the host sends with the message, typed as the host types it."""
    properties = json.dumps(message.application_properties)
    return {
        "MessageId": _string(message.message_id),
        "DeliveryCount": meta.Datum(message.delivery_count, "int"),
        "SequenceNumber": meta.Datum(message.sequence_number, "int"),
        "EnqueuedTimeUtc": _timestamp(message.enqueued_time_utc),
        "LockedUntil": _timestamp(message.locked_until_utc),
        "LockToken": _string(message.lock_token),
        "ApplicationProperties": meta.Datum(properties, "json"),
        "UserProperties": meta.Datum(properties, "json"),
        "CorrelationId": _string(message.correlation_id),
        "ContentType": _string(message.content_type),
        "Subject": _string(message.subject),
        "Label": _string(message.subject),
    }


def _string(value: str | None) -> meta.Datum:
    # A Datum without a value reads back as None, as an absent property does from the host.
    return meta.Datum(value, "string" if value is not None else None)


def _timestamp(value: datetime) -> meta.Datum:
    return meta.Datum(value.isoformat(), "string")
