"""What the app relies on from a queue, sender to trigger, checked against every backend."""

from dataclasses import replace

import azure.functions as func

from shared.ports import OutgoingMessage
from tests.contract.backends import QueueUnderTest, unique

RECEIVE_TIMEOUT_SECONDS = 10.0
# How long an empty receive waits before the test concludes the queue has nothing more.
SETTLE_SECONDS = 1.0


def submit_order_message() -> OutgoingMessage:
    return OutgoingMessage(
        body=b'{"cartId": "cart-1", "customerId": "customer-1"}',
        message_id=unique("submit-order"),
        correlation_id=unique("request"),
        content_type="application/json",
        subject="SubmitOrder",
        application_properties={"schemaVersion": 1, "customerId": "customer-1"},
    )


async def receive(queue: QueueUnderTest) -> func.ServiceBusMessage:
    message = await queue.receive_one(timeout=RECEIVE_TIMEOUT_SECONDS)
    assert message is not None, "no message arrived"
    return message


async def test_the_trigger_sees_every_property_the_sender_set(queue: QueueUnderTest) -> None:
    sent = submit_order_message()
    await queue.sender.send(sent)

    received = await receive(queue)

    assert received.get_body() == sent.body
    assert received.message_id == sent.message_id
    assert received.correlation_id == sent.correlation_id
    assert received.content_type == sent.content_type
    assert received.subject == sent.subject
    assert received.label == sent.subject
    assert received.application_properties == sent.application_properties
    assert received.user_properties == sent.application_properties
    assert received.delivery_count == 1
    assert received.lock_token
    await queue.complete(received)


async def test_an_abandoned_message_is_delivered_again_with_its_delivery_count_raised(
    queue: QueueUnderTest,
) -> None:
    sent = submit_order_message()
    await queue.sender.send(sent)
    first = await receive(queue)

    await queue.abandon(first)
    second = await receive(queue)

    assert second.message_id == sent.message_id
    assert second.get_body() == sent.body
    assert second.delivery_count == 2
    await queue.complete(second)


async def test_a_completed_message_is_not_delivered_again(queue: QueueUnderTest) -> None:
    await queue.sender.send(submit_order_message())
    received = await receive(queue)

    await queue.complete(received)

    assert await queue.receive_one(timeout=SETTLE_SECONDS) is None


async def test_a_message_id_sent_again_within_the_window_is_dropped(queue: QueueUnderTest) -> None:
    # The outbox may send an order's message twice (it crashed between sending and marking
    # the entry sent); duplicate detection on the message id is its first line of defence.
    sent = submit_order_message()
    await queue.sender.send(sent)
    await queue.sender.send(replace(sent, body=b'{"cartId": "cart-1", "sentAgain": true}'))

    received = await receive(queue)
    await queue.complete(received)

    assert received.get_body() == sent.body
    assert await queue.receive_one(timeout=SETTLE_SECONDS) is None
