"""The Service Bus trigger's input, as the Functions host sends it and the Python worker decodes it.

Sources of each shape (read, not guessed):
- Binding data of extension 5.x: azure-sdk-for-net, Microsoft.Azure.WebJobs.Extensions.ServiceBus,
  ServiceBusTriggerBindingStrategy (tests: ServiceBusTriggerStrategyTests asserts
  ``bindingData["EnqueuedTimeUtc"] == message.EnqueuedTime.DateTime``; no LockedUntil).
- Host to worker: azure-functions-host GrpcMessageConversionExtensions.ToRpc (strings as
  string, everything else as Newtonsoft JSON; azure-functions-host issue 3125 shows
  ``"DeliveryCount": {"Json": "1"}``) and ScriptInvocationContextExtensions (null values skipped).
- Worker: azure-functions-python-worker bindings/datumdef.py and bindings/meta.py
  (``binding.decode(datum, trigger_metadata=metadata)``).
"""

import importlib
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.functions import meta

from local_host.service_bus_message import (
    decode_message,
    host_binding_data,
    to_function_message,
)
from shared.adapters.sqlite_queue import ReceivedMessage

ENQUEUED = datetime(2025, 4, 11, 1, 10, 50, 251000, tzinfo=UTC)


def binding_data(**overrides: Any) -> dict[str, meta.Datum]:
    """The host's binding data for a typical SubmitOrder message, with some values changed."""
    values: dict[str, Any] = {
        "message_id": "m-1",
        "delivery_count": 1,
        "sequence_number": 42,
        "enqueued_time_utc": ENQUEUED,
        "lock_token": "2f1b0c3e-0000-4000-8000-000000000000",
        "correlation_id": "trace-1",
        "content_type": "application/json",
        "subject": "SubmitOrder",
        "application_properties": {"messageType": "SubmitOrder", "schemaVersion": 1},
    }
    values.update(overrides)
    return host_binding_data(**values)


def test_enqueued_time_is_sent_without_an_offset_and_decoded_naive() -> None:
    data = binding_data()
    assert data["EnqueuedTimeUtc"].type == "json"
    assert data["EnqueuedTimeUtc"].value == '"2025-04-11T01:10:50.251"'
    message = decode_message(b"{}", data)
    assert message.enqueued_time_utc == datetime(2025, 4, 11, 1, 10, 50, 251000)
    assert message.enqueued_time_utc is not None
    assert message.enqueued_time_utc.tzinfo is None


def test_whole_seconds_have_no_fraction_as_newtonsoft_writes_them() -> None:
    data = binding_data(enqueued_time_utc=ENQUEUED.replace(microsecond=0))
    assert data["EnqueuedTimeUtc"].value == '"2025-04-11T01:10:50"'


def test_numbers_arrive_as_json_and_the_delivery_count_counts_this_delivery() -> None:
    data = binding_data(delivery_count=3)
    assert (data["DeliveryCount"].type, data["DeliveryCount"].value) == ("json", "3")
    message = decode_message(b"{}", data)
    assert message.delivery_count == 3
    assert message.sequence_number == 42


def test_extension_5_sends_no_locked_until_and_a_never_expiring_expiry() -> None:
    data = binding_data()
    assert "LockedUntil" not in data
    message = decode_message(b"{}", data)
    assert message.locked_until is None
    # DateTime.MaxValue has seven fractional digits; azure.functions drops the seventh.
    assert message.expires_at_utc == datetime(9999, 12, 31, 23, 59, 59, 999999)


def test_properties_arrive_as_json_under_both_names() -> None:
    data = binding_data()
    assert data["ApplicationProperties"].type == "json"
    assert data["UserProperties"].value == '{"messageType":"SubmitOrder","schemaVersion":1}'
    message = decode_message(b"{}", data)
    assert message.application_properties == {"messageType": "SubmitOrder", "schemaVersion": 1}
    assert message.user_properties == message.application_properties
    assert (message.message_id, message.correlation_id) == ("m-1", "trace-1")
    assert message.content_type == "application/json"
    assert message.lock_token == "2f1b0c3e-0000-4000-8000-000000000000"


def test_null_properties_are_not_sent_and_read_as_none() -> None:
    data = binding_data(correlation_id=None, content_type=None)
    assert "CorrelationId" not in data
    assert "ContentType" not in data
    message = decode_message(b"{}", data)
    assert message.correlation_id is None
    assert message.content_type is None
    # The raw metadata reads back as the worker's does (no None entries to trip over).
    assert message.metadata is not None
    assert message.metadata["MessageId"] == "m-1"


def test_the_body_reaches_the_function_as_the_bytes_sent() -> None:
    # "dataType": "binary", the only form the local host supports: no decoding, no U+FFFD.
    assert decode_message(b"\x80 ok", binding_data()).get_body() == b"\x80 ok"


def test_an_embedded_queue_message_reaches_the_function_through_the_same_converter() -> None:
    received = ReceivedMessage(
        sequence_number=5,
        message_id="q-1",
        body=b'{"a": 1}',
        correlation_id=None,
        content_type="application/json",
        subject="SubmitOrder",
        application_properties={"messageType": "SubmitOrder"},
        delivery_count=2,
        enqueued_time_utc=ENQUEUED,
        locked_until_utc=ENQUEUED + timedelta(seconds=30),
        lock_token="lock-1",
    )
    message = to_function_message(received)
    assert message.get_body() == b'{"a": 1}'
    assert message.delivery_count == 2
    assert message.enqueued_time_utc == ENQUEUED.replace(tzinfo=None)
    assert message.locked_until is None
    assert message.application_properties == {"messageType": "SubmitOrder"}


def test_decoding_a_message_compiles_no_strptime_pattern_once_warm(monkeypatch: Any) -> None:
    # The converter tries a dozen formats per DateTime; the standard library kept five and
    # compiled them all again for every message until the host made room for them.
    strptime = importlib.import_module("_strptime")
    decode_message(b"{}", binding_data())  # the formats are compiled (at most) once
    compiled: list[str] = []
    original = strptime._TimeRE_cache.compile

    def counted(fmt: str) -> Any:
        compiled.append(fmt)
        return original(fmt)

    monkeypatch.setattr(strptime._TimeRE_cache, "compile", counted)
    message = decode_message(b"{}", binding_data(enqueued_time_utc=ENQUEUED + timedelta(days=1)))
    assert message.enqueued_time_utc == datetime(2025, 4, 12, 1, 10, 50, 251000)
    assert compiled == []
