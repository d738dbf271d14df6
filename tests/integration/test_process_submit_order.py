"""The queue-triggered order handler with real ServiceBusMessage objects on real SQLite."""

import json
import logging
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import azure.functions as func
import pytest
from azure.functions import servicebus

import ProcessSubmitOrder
from local_host.service_bus_message import BINARY, to_function_message
from shared import bootstrap
from shared.adapters.sqlite_queue import SqliteQueue
from shared.domain.submit_order import SubmitOrder
from shared.poison_store import PoisonStore
from shared.services.order_placing import (
    UNKNOWN_CART_POISON_AT_DELIVERY,
    CartNotVisibleYet,
    PoisonMessage,
)
from tests.integration import function_calls as api
from tests.integration.function_calls import json_of

pytestmark = pytest.mark.usefixtures("app_settings")


def submit_order_queue() -> SqliteQueue:
    sender = bootstrap.application().sender
    assert isinstance(sender, SqliteQueue)
    return sender


async def submitted_cart(customer: str = "anna") -> str:
    cart_id: str = json_of(await api.create_cart(customer))["id"]
    await api.add_item(customer, cart_id, "meat", 2)
    await api.add_item(customer, cart_id, "strawberry", 1)
    assert (await api.submit(customer, cart_id)).status_code == 202
    return cart_id


async def next_message() -> func.ServiceBusMessage:
    queue = submit_order_queue()
    received = await queue.receive(1)
    assert len(received) == 1
    await queue.complete(received[0])
    return to_function_message(received[0], data_type=BINARY)


async def test_a_submitted_cart_sends_one_submit_order_message() -> None:
    cart_id = await submitted_cart()
    message = await next_message()
    assert message.message_id == f"submit-order-{cart_id}"
    assert message.content_type == "application/json"
    assert message.application_properties["messageType"] == "SubmitOrder"
    body = json.loads(message.get_body())
    assert body["orderId"] == cart_id
    assert body["total"] == "93.00"
    assert await submit_order_queue().receive(1) == []
    cart = await bootstrap.application().carts.get_cart("anna", cart_id)
    assert cart.value.outbox is not None
    assert cart.value.outbox.status == "sent"


async def test_processing_the_message_places_the_order(caplog: pytest.LogCaptureFixture) -> None:
    cart_id = await submitted_cart()
    with caplog.at_level(logging.INFO):
        await ProcessSubmitOrder.main(await next_message())
    assert f"Order submitted {cart_id}" in caplog.messages
    response = await api.get_order("anna", cart_id)
    order = json_of(response)
    assert response.status_code == 200
    assert order["status"] == "placed"
    assert order["cartId"] == cart_id
    assert order["total"] == "93.00"
    assert len(order["items"]) == 2
    assert order["placedAt"] >= order["submittedAt"]


async def test_a_redelivered_message_makes_no_second_order() -> None:
    cart_id = await submitted_cart()
    message = await next_message()
    await ProcessSubmitOrder.main(message)
    first = json_of(await api.get_order("anna", cart_id))
    await ProcessSubmitOrder.main(message)
    assert json_of(await api.get_order("anna", cart_id)) == first


def service_bus_message(body: bytes, delivery_count: int = 1) -> func.ServiceBusMessage:
    return servicebus.ServiceBusMessage(
        body=body,
        message_id="poison-1",
        application_properties={},
        user_properties={},
        delivery_count=delivery_count,
        enqueued_time_utc=datetime.now(UTC),
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "UndecodableBody"),
        (b"{not json", "UndecodableBody"),
        (b'{"orderId": "x"}', "SchemaViolation"),
        (
            json.dumps(
                {
                    "orderId": "00000000-0000-4000-8000-000000000000",
                    "cartId": "00000000-0000-4000-8000-000000000000",
                    "customer": "nobody",
                    "items": [],
                    "total": "0.00",
                    "currency": "PLN",
                    "submittedAt": "2026-11-28T12:00:00Z",
                }
            ).encode(),
            "UnknownCart",
        ),
    ],
)
async def test_a_message_that_can_never_succeed_goes_to_the_poison_store(
    body: bytes, reason: str
) -> None:
    # Returning normally completes the message: a poison message is not retried.
    delivery = UNKNOWN_CART_POISON_AT_DELIVERY if reason == "UnknownCart" else 1
    await ProcessSubmitOrder.main(service_bus_message(body, delivery))
    record = await PoisonStore(bootstrap.application().store).get("submit-order", "poison-1")
    assert record is not None
    assert record.value.reason == reason
    assert record.value.body == body
    with pytest.raises(PoisonMessage):
        await bootstrap.application().submit_order_handler.handle(body, delivery_count=delivery)


async def test_a_cart_the_worker_cannot_see_yet_is_retried_before_it_counts_as_poison() -> None:
    body = SubmitOrder(
        order_id=str(uuid.uuid4()),
        cart_id=str(uuid.uuid4()),
        customer="anna",
        items=[],
        total=Decimal("0.00"),
        currency="PLN",
        submitted_at=datetime.now(UTC),
    ).model_dump_json(by_alias=True)
    for delivery in range(1, UNKNOWN_CART_POISON_AT_DELIVERY):
        with pytest.raises(CartNotVisibleYet):
            await ProcessSubmitOrder.main(service_bus_message(body.encode(), delivery))
    store = PoisonStore(bootstrap.application().store)
    assert await store.get("submit-order", "poison-1") is None
