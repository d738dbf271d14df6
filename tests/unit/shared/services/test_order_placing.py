"""shared/services/order_placing.py: the SubmitOrder handler places each order once (an idempotent
receiver) and refuses a message that can never succeed; through the queue trigger
(ProcessSubmitOrder) with real ServiceBusMessage objects on real SQLite."""

import json
import logging
from datetime import timedelta

import pytest

import ProcessSubmitOrder
from local_host.service_bus_message import to_function_message
from shared import bootstrap
from shared.adapters.sqlite_queue import MAX_DELIVERY_COUNT_EXCEEDED, SqliteQueue
from shared.poison_store import PoisonStore
from shared.services.order_placing import PoisonMessage
from shared.services.outbox import outgoing_message
from shared.settings import Settings
from tests.integration import function_calls as api
from tests.integration.function_calls import json_of

pytestmark = pytest.mark.usefixtures("app_settings")

# A SubmitOrder body exactly as the previous version (and every version before it) sent it.
PREVIOUS_VERSION_CART = "3f0c7a52-9d1e-4b8a-a6f3-2c5e8d9b1a47"

PREVIOUS_VERSION_BODY = (
    b'{"messageType":"SubmitOrder","schemaVersion":1,'
    b'"orderId":"3f0c7a52-9d1e-4b8a-a6f3-2c5e8d9b1a47",'
    b'"cartId":"3f0c7a52-9d1e-4b8a-a6f3-2c5e8d9b1a47","customer":"anna","items":['
    b'{"productId":"meat","name":"Pierogi with meat","quantity":2,"unitPrice":"32.00",'
    b'"lineTotal":"64.00"},'
    b'{"productId":"strawberry","name":"Pierogi with strawberries","quantity":1,'
    b'"unitPrice":"29.00","lineTotal":"29.00"}],'
    b'"total":"93.00","currency":"PLN","submittedAt":"2026-11-28T12:00:00.000000Z"}'
)


async def test_processing_the_message_places_the_order(caplog: pytest.LogCaptureFixture) -> None:
    cart_id = await api.submitted_cart()
    with caplog.at_level(logging.INFO):
        await ProcessSubmitOrder.main(await api.next_message())
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
    cart_id = await api.submitted_cart()
    message = await api.next_message()
    await ProcessSubmitOrder.main(message)
    first = json_of(await api.get_order("anna", cart_id))
    await ProcessSubmitOrder.main(message)
    assert json_of(await api.get_order("anna", cart_id)) == first


def order_body(**changes: object) -> bytes:
    """A SubmitOrder body as the app sends it, with ``changes`` made to it."""
    return json.dumps({**json.loads(PREVIOUS_VERSION_BODY), **changes}).encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "UndecodableBody"),
        (b"{not json", "UndecodableBody"),
        (b'{"orderId": "x"}', "SchemaViolation"),
        # An order of nothing: a submit refuses an empty cart, so no submit sent it.
        (order_body(customer="nobody", items=[], total="0.00"), "SchemaViolation"),
        # The order is placed as the message says, so a message must agree with itself.
        (order_body(total="1.00"), "SchemaViolation"),
    ],
)
async def test_a_message_that_can_never_succeed_goes_to_the_poison_store(
    body: bytes, reason: str
) -> None:
    # Returning normally completes the message: a poison message is not retried.
    await ProcessSubmitOrder.main(api.service_bus_message(body))
    record = await PoisonStore(bootstrap.application().store).get("submit-order", "poison-1")
    assert record is not None
    assert record.value.reason == reason
    assert record.value.body == body
    with pytest.raises(PoisonMessage):
        await bootstrap.application().submit_order_handler.handle(body)


async def test_a_message_queued_by_the_previous_version_is_placed_from_its_own_lines() -> None:
    # During a rolling deploy this version's worker receives what the previous one queued.
    # The handler reads no cart (this store never held that one): the message is the order.
    await ProcessSubmitOrder.main(api.service_bus_message(PREVIOUS_VERSION_BODY))
    order = json_of(await api.get_order("anna", PREVIOUS_VERSION_CART))
    assert order["total"] == "93.00"
    assert [(line["productId"], line["quantity"]) for line in order["items"]] == [
        ("meat", 2),
        ("strawberry", 1),
    ]
    assert order["submittedAt"] == "2026-11-28T12:00:00.000000Z"


async def test_the_message_sent_now_is_one_the_previous_version_can_read() -> None:
    # ... and the previous version's workers, still running, receive this version's messages:
    # their schema forbids unknown fields, so the message keeps exactly the fields it had.
    await api.submitted_cart()
    sent = json.loads((await api.next_message()).get_body())
    previous = json.loads(PREVIOUS_VERSION_BODY)
    assert sent.keys() == previous.keys()
    assert [line.keys() for line in sent["items"]] == [line.keys() for line in previous["items"]]
    assert (sent["messageType"], sent["schemaVersion"]) == ("SubmitOrder", 1)


async def process_next(queue: SqliteQueue) -> None:
    [received] = await queue.receive(1)
    await ProcessSubmitOrder.main(to_function_message(received))
    await queue.complete(received)


def placements(caplog: pytest.LogCaptureFixture, order_id: str) -> int:
    return caplog.messages.count(f"Order submitted {order_id}")


async def test_a_message_sent_again_after_the_duplicate_window_makes_no_second_order(
    caplog: pytest.LogCaptureFixture, app_settings: dict[str, str]
) -> None:
    cart_id = await api.submitted_cart()
    with caplog.at_level(logging.INFO):
        await process_next(api.app_queue())
        first = json_of(await api.get_order("anna", cart_id))

        # The outbox sends the same message again once the queue has forgotten its id: a new
        # delivery (count 1) with the same message id, which the queue cannot drop.
        forgetful = SqliteQueue(
            Settings(app_settings).embedded().queue_path,
            api.app_queue().queue_name,
            duplicate_detection_window=timedelta(0),
        )
        try:
            cart = await bootstrap.application().carts.get_cart("anna", cart_id)
            assert cart.value.outbox is not None
            await forgetful.send(outgoing_message(cart.value.outbox))
            [again] = await forgetful.receive(1)
            assert (again.message_id, again.delivery_count) == (f"submit-order-{cart_id}", 1)
            await ProcessSubmitOrder.main(to_function_message(again))
            await forgetful.complete(again)
        finally:
            await forgetful.close()

    assert json_of(await api.get_order("anna", cart_id)) == first
    assert placements(caplog, cart_id) == 1
    assert f"Order {cart_id} already exists; duplicate SubmitOrder ignored" in caplog.messages


async def test_a_requeued_dead_letter_makes_no_second_order(
    caplog: pytest.LogCaptureFixture, app_settings: dict[str, str]
) -> None:
    cart_id = await api.submitted_cart()
    queue = api.app_queue()
    with caplog.at_level(logging.INFO):
        # Each delivery places (or finds) the order but its settlement is lost, as when the
        # worker dies before completing: the queue dead-letters it after the last delivery.
        for _ in range(int(app_settings["EmbeddedQueueMaxDeliveryCount"])):
            [received] = await queue.receive(1)
            await ProcessSubmitOrder.main(to_function_message(received))
            await queue.abandon(received)
        [dead] = await queue.dead_letters()
        assert dead.dead_letter_reason == MAX_DELIVERY_COUNT_EXCEEDED
        first = json_of(await api.get_order("anna", cart_id))

        assert await queue.requeue_dead_letter(dead.sequence_number)
        await process_next(queue)

    assert json_of(await api.get_order("anna", cart_id)) == first
    assert placements(caplog, cart_id) == 1
    assert await queue.dead_letters() == []
    assert (await queue.counts()).active == 0
