"""The order handler is an idempotent receiver: however often a SubmitOrder arrives, one order."""

import logging
from datetime import timedelta

import pytest

import ProcessSubmitOrder
from local_host.service_bus_message import BINARY, to_function_message
from shared import bootstrap
from shared.adapters.sqlite_queue import MAX_DELIVERY_COUNT_EXCEEDED, SqliteQueue
from shared.services.outbox import outgoing_message
from shared.settings import Settings
from tests.integration import function_calls as api
from tests.integration.function_calls import json_of

pytestmark = pytest.mark.usefixtures("app_settings")


def app_queue() -> SqliteQueue:
    sender = bootstrap.application().sender
    assert isinstance(sender, SqliteQueue)
    return sender


async def submitted_cart() -> str:
    cart_id: str = json_of(await api.create_cart("anna"))["id"]
    await api.add_item("anna", cart_id, "swiss-cheese", 3)
    assert (await api.submit("anna", cart_id)).status_code == 202
    return cart_id


async def process_next(queue: SqliteQueue) -> None:
    [received] = await queue.receive(1)
    await ProcessSubmitOrder.main(to_function_message(received, data_type=BINARY))
    await queue.complete(received)


def placements(caplog: pytest.LogCaptureFixture, order_id: str) -> int:
    return caplog.messages.count(f"Order submitted {order_id}")


async def test_a_message_sent_again_after_the_duplicate_window_makes_no_second_order(
    caplog: pytest.LogCaptureFixture, app_settings: dict[str, str]
) -> None:
    cart_id = await submitted_cart()
    with caplog.at_level(logging.INFO):
        await process_next(app_queue())
        first = json_of(await api.get_order("anna", cart_id))

        # The outbox sends the same message again once the queue has forgotten its id: a new
        # delivery (count 1) with the same message id, which the queue cannot drop.
        forgetful = SqliteQueue(
            Settings(app_settings).embedded().queue_path,
            app_queue().queue_name,
            duplicate_detection_window=timedelta(0),
        )
        try:
            cart = await bootstrap.application().carts.get_cart("anna", cart_id)
            assert cart.value.outbox is not None
            await forgetful.send(outgoing_message(cart.value.outbox))
            [again] = await forgetful.receive(1)
            assert (again.message_id, again.delivery_count) == (f"submit-order-{cart_id}", 1)
            await ProcessSubmitOrder.main(to_function_message(again, data_type=BINARY))
            await forgetful.complete(again)
        finally:
            await forgetful.close()

    assert json_of(await api.get_order("anna", cart_id)) == first
    assert placements(caplog, cart_id) == 1
    assert f"Order {cart_id} already exists; duplicate SubmitOrder ignored" in caplog.messages


async def test_a_requeued_dead_letter_makes_no_second_order(
    caplog: pytest.LogCaptureFixture, app_settings: dict[str, str]
) -> None:
    cart_id = await submitted_cart()
    queue = app_queue()
    with caplog.at_level(logging.INFO):
        # Each delivery places (or finds) the order but its settlement is lost, as when the
        # worker dies before completing: the queue dead-letters it after the last delivery.
        for _ in range(int(app_settings["EmbeddedQueueMaxDeliveryCount"])):
            [received] = await queue.receive(1)
            await ProcessSubmitOrder.main(to_function_message(received, data_type=BINARY))
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
