"""What a serviceBusTrigger function gets, built the way the Functions host and worker build it.

The host sends the worker the message body and the extension's binding data as gRPC
``TypedData`` (azure-functions-host, ``GrpcMessageConversionExtensions.ToRpc``): a string as a
string, bytes as bytes, anything else - ints, DateTimes, dictionaries - as JSON written by
Newtonsoft.Json. The Python worker turns each into a ``meta.Datum`` (azure-functions-python-worker,
``bindings/datumdef.py``) and decodes them with
``azure.functions``' own ``ServiceBusMessageInConverter``. This module builds the same Datum
values and calls the same converter, so a function gets here exactly what it gets in Azure,
naive ``enqueued_time_utc`` and all.

The binding data are those of the Service Bus extension 5.x (bundle 4.x;
azure-sdk-for-net ``ServiceBusTriggerBindingStrategy.AddBindingData``): ``EnqueuedTimeUtc`` and
``ExpiresAtUtc`` are ``DateTimeOffset.DateTime``, serialised without an offset;
``DeliveryCount`` counts this delivery; ``Subject`` also as ``Label`` and
``ApplicationProperties`` also as ``UserProperties``; no ``LockedUntil``. The host leaves out
binding data whose value is null (``ScriptInvocationContextExtensions.ToRpcInvocationRequest``).
The message, session and client action objects the extension adds mean nothing to a Python
function and are left out here.
"""

import _strptime  # type: ignore[import-not-found]  # private, so without a type stub
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions.servicebus import ServiceBusMessageInConverter

from shared.adapters.sqlite_queue import ReceivedMessage

# ``ServiceBusReceivedMessage.ExpiresAt`` of a message without a time to live (the queue's
# default is TimeSpan.MaxValue), as Newtonsoft writes DateTime.MaxValue.
NEVER_EXPIRES = "9999-12-31T23:59:59.9999999"

# The converter parses each DateTime of the binding data by trying a dozen ``strptime`` formats
# in turn (meta.py ``_parse_datetime``): every UTC format fails on the host's offset-less text
# before a local one fits. The standard library keeps the compiled patterns of five formats and
# forgets them all when a sixth arrives, so every message compiled every format again: about
# 0.5 ms a message, a fifth of the host's CPU per order. Room for all of them parses exactly
# as before, the same formats tried in the same order, compiling each once per process.
STRPTIME_PATTERNS_KEPT = 32
_strptime._CACHE_MAX_SIZE = max(_strptime._CACHE_MAX_SIZE, STRPTIME_PATTERNS_KEPT)


def to_function_message(message: ReceivedMessage) -> func.ServiceBusMessage:
    """A message of the embedded queue as the function receives it from the worker."""
    return decode_message(
        message.body,
        host_binding_data(
            message_id=message.message_id,
            delivery_count=message.delivery_count,
            sequence_number=message.sequence_number,
            enqueued_time_utc=message.enqueued_time_utc,
            lock_token=message.lock_token,
            correlation_id=message.correlation_id,
            content_type=message.content_type,
            subject=message.subject,
            application_properties=message.application_properties,
        ),
    )


def decode_message(body: bytes, binding_data: Mapping[str, meta.Datum]) -> func.ServiceBusMessage:
    """Decode body and binding data with the converter the Python worker uses.

    The body as function.json's ``"dataType": "binary"`` (the only form this host supports) has
    the host send it: as bytes.
    """
    decoded = ServiceBusMessageInConverter.decode(
        meta.Datum(body, "bytes"), trigger_metadata=binding_data
    )
    assert isinstance(decoded, func.ServiceBusMessage)  # one message: cardinality one
    return decoded


def host_binding_data(
    *,
    message_id: str | None,
    delivery_count: int,
    sequence_number: int,
    enqueued_time_utc: datetime,
    lock_token: str | None,
    correlation_id: str | None = None,
    content_type: str | None = None,
    subject: str | None = None,
    application_properties: Mapping[str, Any] | None = None,
) -> dict[str, meta.Datum]:
    """The trigger metadata the host sends with one message, typed as the host types it."""
    properties = _json(dict(application_properties or {}))
    data: dict[str, meta.Datum | None] = {
        "DeliveryCount": meta.Datum(_json(delivery_count), "json"),
        "LockToken": _string(lock_token),
        # Neither the embedded queue nor this app sets a time to live.
        "ExpiresAtUtc": meta.Datum(json.dumps(NEVER_EXPIRES), "json"),
        "EnqueuedTimeUtc": meta.Datum(dotnet_datetime(enqueued_time_utc), "json"),
        "MessageId": _string(message_id),
        "ContentType": _string(content_type),
        "SequenceNumber": meta.Datum(_json(sequence_number), "json"),
        "Subject": _string(subject),
        "Label": _string(subject),
        "CorrelationId": _string(correlation_id),
        "ApplicationProperties": meta.Datum(properties, "json"),
        "UserProperties": meta.Datum(properties, "json"),
    }
    # The host sends no entry for a null value.
    return {name: datum for name, datum in data.items() if datum is not None}


def dotnet_datetime(value: datetime) -> str:
    """A UTC instant as Newtonsoft.Json writes a DateTime of unspecified kind (a JSON string).

    ISO 8601 without an offset, fractional seconds only as far as they are not zero:
    ``"2025-04-11T01:10:50.251"``.
    """
    utc = value.astimezone(UTC) if value.tzinfo is not None else value
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return json.dumps(text)


def _json(value: Any) -> str:
    # Newtonsoft's Formatting.None: no spaces.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _string(value: str | None) -> meta.Datum | None:
    return None if value is None else meta.Datum(value, "string")
