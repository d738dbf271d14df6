"""shared/services/quarantine.py: poison messages go to the poison store and are completed, and
can be requeued; transient failures are retried instead (through ProcessSubmitOrder)."""

import base64
import json
import logging
from datetime import UTC, datetime

import pytest

import ProcessSubmitOrder
from local_host.service_bus_message import (
    decode_message,
    host_binding_data,
    to_function_message,
)
from shared import bootstrap
from shared.adapters.sqlite_queue import MAX_DELIVERY_COUNT_EXCEEDED
from shared.faults import InjectedFault
from shared.poison_store import PoisonStore
from shared.ports import OutgoingMessage
from shared.services.quarantine import PoisonRecordNotFound
from tests.integration import function_calls as api
from tests.integration.function_calls import json_of

QUEUE = "submit-order"


def poison_store() -> PoisonStore:
    return PoisonStore(bootstrap.application().store)


async def send(body: bytes, message_id: str, correlation_id: str | None = None) -> None:
    await api.app_queue().send(
        OutgoingMessage(
            body=body,
            message_id=message_id,
            correlation_id=correlation_id,
            content_type="application/json",
            subject="SubmitOrder",
            application_properties={"messageType": "SubmitOrder", "schemaVersion": 1},
        )
    )


async def deliver_next() -> None:
    """Receive one message and settle it as the Functions host does after calling main."""
    queue = api.app_queue()
    [received] = await queue.receive(1)
    try:
        await ProcessSubmitOrder.main(to_function_message(received))
    except Exception:
        await queue.abandon(received)
        raise
    await queue.complete(received)


@pytest.mark.usefixtures("app_settings")
async def test_a_poison_message_is_recorded_with_its_metadata_and_completed() -> None:
    body = b'{"messageType": "SubmitOrder", "orderId": 42}'
    await send(body, "garbage-1", correlation_id="trace-7")
    await deliver_next()

    assert (await api.app_queue().counts()).active == 0
    saved = await poison_store().get(QUEUE, "garbage-1")
    assert saved is not None
    record = saved.value
    assert record.reason == "SchemaViolation"
    assert "orderId" in record.description
    assert record.message_id == "garbage-1"
    assert record.correlation_id == "trace-7"
    assert record.delivery_count == 1
    assert record.enqueued_time_utc is not None
    assert record.recorded_at >= record.enqueued_time_utc
    assert record.application_properties == {"messageType": "SubmitOrder", "schemaVersion": 1}
    assert base64.b64decode(record.body_base64) == body
    assert record.body_text == body.decode()
    assert record.status == "poisoned"


@pytest.mark.usefixtures("app_settings")
async def test_a_body_that_is_not_utf8_is_kept_as_base64_only() -> None:
    await send(b"\x80\x81 not text", "binary-1")
    await deliver_next()
    saved = await poison_store().get(QUEUE, "binary-1")
    assert saved is not None
    assert saved.value.reason == "UndecodableBody"
    assert saved.value.body == b"\x80\x81 not text"
    assert saved.value.body_text is None


@pytest.mark.usefixtures("app_settings")
async def test_a_poison_message_delivered_again_is_recorded_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    await send(b"{not json", "twice-1")
    [received] = await api.app_queue().receive(1)
    message = to_function_message(received)
    with caplog.at_level(logging.WARNING):
        await ProcessSubmitOrder.main(message)
        await ProcessSubmitOrder.main(message)
    assert len(await poison_store().newest(QUEUE, limit=10)) == 1
    assert "Poison message twice-1 was already in the poison store" in caplog.messages


async def test_a_transient_failure_is_retried_and_dead_lettered_past_the_max_delivery_count(
    app_settings: dict[str, str],
) -> None:
    # Every handler run fails after the cart is read: not poison, so the message is retried.
    await bootstrap.shutdown()
    bootstrap.configure({**app_settings, "FaultHandlerFailBeforeOrderRate": "1"})
    cart_id = json_of(await api.create_cart("anna"))["id"]
    await api.add_item("anna", cart_id, "meat", 1)
    assert (await api.submit("anna", cart_id)).status_code == 202

    max_deliveries = int(app_settings["EmbeddedQueueMaxDeliveryCount"])
    for _ in range(max_deliveries):
        with pytest.raises(InjectedFault):
            await deliver_next()
    [dead] = await api.app_queue().dead_letters()
    assert dead.message_id == f"submit-order-{cart_id}"
    assert dead.dead_letter_reason == MAX_DELIVERY_COUNT_EXCEEDED
    assert dead.delivery_count == max_deliveries
    assert await poison_store().newest(QUEUE, limit=10) == []


@pytest.mark.usefixtures("app_settings")
async def test_requeue_sends_the_body_again_under_a_new_id_and_the_same_correlation_id() -> None:
    await send(b'{"orderId": "x"}', "poison-9", correlation_id="trace-9")
    await deliver_next()
    quarantine = bootstrap.application().quarantine

    assert await quarantine.requeue(QUEUE, "poison-9") == "poison-9:requeue:1"
    [again] = await api.app_queue().receive(1)
    assert again.message_id == "poison-9:requeue:1"
    assert again.body == b'{"orderId": "x"}'
    assert again.correlation_id == "trace-9"
    assert again.application_properties == {"messageType": "SubmitOrder", "schemaVersion": 1}
    saved = await poison_store().get(QUEUE, "poison-9")
    assert saved is not None
    assert (saved.value.status, saved.value.requeue_count) == ("requeued", 1)
    assert saved.value.requeued_as == "poison-9:requeue:1"

    assert await quarantine.requeue(QUEUE, "poison-9") == "poison-9:requeue:2"
    with pytest.raises(PoisonRecordNotFound):
        await quarantine.requeue(QUEUE, "no-such-message")


@pytest.mark.usefixtures("app_settings")
async def test_a_requeued_poison_message_that_fails_again_gets_its_own_record() -> None:
    await send(json.dumps({"orderId": "x"}).encode(), "poison-10")
    await deliver_next()
    await bootstrap.application().quarantine.requeue(QUEUE, "poison-10")
    await deliver_next()
    records = {r.id: r for r in await poison_store().newest(QUEUE, limit=10)}
    assert set(records) == {"poison-10", "poison-10:requeue:1"}
    assert records["poison-10:requeue:1"].status == "poisoned"


@pytest.mark.usefixtures("app_settings")
async def test_a_poison_message_with_the_hosts_naive_enqueued_time_is_stored_not_retried() -> None:
    # As the Service Bus extension 5.x sends it: EnqueuedTimeUtc without an offset (the host
    # serialises EnqueuedTime.DateTime), which azure.functions decodes as a naive datetime.
    binding_data = host_binding_data(
        message_id="naive-1",
        delivery_count=1,
        sequence_number=7,
        enqueued_time_utc=datetime(2025, 4, 11, 1, 10, 50, 251000, tzinfo=UTC),
        lock_token="8b5c1c4e-0000-4000-8000-000000000001",
        content_type="application/json",
        subject="SubmitOrder",
        application_properties={"messageType": "SubmitOrder", "schemaVersion": 1},
    )
    assert binding_data["EnqueuedTimeUtc"].value == '"2025-04-11T01:10:50.251"'
    message = decode_message(b'{"orderId": "x"}', binding_data)
    assert message.enqueued_time_utc is not None
    assert message.enqueued_time_utc.tzinfo is None

    # Returning (not raising) is what completes the message: it is not retried.
    await ProcessSubmitOrder.main(message)

    saved = await poison_store().get(QUEUE, "naive-1")
    assert saved is not None
    assert saved.value.reason == "SchemaViolation"
    assert saved.value.enqueued_time_utc == datetime(2025, 4, 11, 1, 10, 50, 251000, tzinfo=UTC)
