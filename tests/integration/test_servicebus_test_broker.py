"""The Service Bus test broker behaves as Service Bus does for what the app and tools use.

Checked through the azure-servicebus SDK over AMQP, so the contract suite's Service Bus
variant and the dead-letter command's tests stand on documented Service Bus behaviour:
peek-lock, lock renewal and expiry, MaxDeliveryCount, the dead-letter sub-queue, peeking.
"""

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from azure.servicebus import ServiceBusMessage, ServiceBusSubQueue
from azure.servicebus.aio import ServiceBusClient
from azure.servicebus.exceptions import MessageLockLostError

from tests.stand_ins.servicebus_broker import servicebus_broker

QUEUE = "submit-order"  # declared in emulators/servicebus/Config.json: MaxDeliveryCount 10
MAX_DELIVERY_COUNT = 10
LOCK_SECONDS = 2.0
WAIT_SECONDS = 10.0


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[str]:
    with servicebus_broker(tmp_path / "broker.log", lock_duration_seconds=LOCK_SECONDS) as value:
        yield value


@pytest.fixture
async def client(connection: str) -> AsyncIterator[ServiceBusClient]:
    async with ServiceBusClient.from_connection_string(connection) as opened:
        yield opened


async def send(client: ServiceBusClient, body: bytes = b"{}") -> str:
    message_id = str(uuid.uuid4())
    async with client.get_queue_sender(QUEUE) as sender:
        await sender.send_messages(ServiceBusMessage(body, message_id=message_id))
    return message_id


async def test_a_dead_lettered_message_is_read_from_the_sub_queue_with_its_reason(
    client: ServiceBusClient,
) -> None:
    message_id = await send(client, b'{"x": 1}')
    async with client.get_queue_receiver(QUEUE) as receiver:
        (message,) = await receiver.receive_messages(max_wait_time=WAIT_SECONDS)
        await receiver.dead_letter_message(
            message, reason="BadCart", error_description="The cart does not exist."
        )
        assert await receiver.peek_messages(10) == []  # gone from the queue itself

    async with client.get_queue_receiver(
        QUEUE, sub_queue=ServiceBusSubQueue.DEAD_LETTER
    ) as dead_letters:
        (dead,) = await dead_letters.receive_messages(max_wait_time=WAIT_SECONDS)
        assert dead.message_id == message_id
        assert b"".join(dead.body) == b'{"x": 1}'
        assert dead.dead_letter_reason == "BadCart"
        assert dead.dead_letter_error_description == "The cart does not exist."
        assert dead.dead_letter_source == QUEUE
        await dead_letters.complete_message(dead)


async def test_a_message_abandoned_max_delivery_count_times_is_dead_lettered(
    client: ServiceBusClient,
) -> None:
    message_id = await send(client)
    async with client.get_queue_receiver(QUEUE) as receiver:
        for attempt in range(MAX_DELIVERY_COUNT):
            (message,) = await receiver.receive_messages(max_wait_time=WAIT_SECONDS)
            # An absent count is AMQP's default 0 (the broker's library leaves it out).
            assert (message.delivery_count or 0) == attempt
            await receiver.abandon_message(message)
        assert await receiver.peek_messages(10) == []  # gone from the queue itself

    async with client.get_queue_receiver(
        QUEUE, sub_queue=ServiceBusSubQueue.DEAD_LETTER
    ) as dead_letters:
        (dead,) = await dead_letters.peek_messages(10)
    assert dead.message_id == message_id
    assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"
    assert dead.delivery_count == MAX_DELIVERY_COUNT


async def test_an_expired_lock_delivers_the_message_again_and_the_old_lock_is_lost(
    client: ServiceBusClient,
) -> None:
    message_id = await send(client)
    async with client.get_queue_receiver(QUEUE) as receiver:
        (first,) = await receiver.receive_messages(max_wait_time=WAIT_SECONDS)
        # Waits for the lock to run out: the broker then delivers the message again.
        (second,) = await receiver.receive_messages(max_wait_time=WAIT_SECONDS)

        assert second.message_id == message_id
        assert second.delivery_count == 1
        assert second.lock_token != first.lock_token
        with pytest.raises(MessageLockLostError):
            await receiver._settle_message_via_mgmt_link(  # the link outcome would be ignored
                "completed", [first.lock_token]
            )
        await receiver.complete_message(second)


async def test_renewing_a_lock_moves_its_expiry_later(client: ServiceBusClient) -> None:
    await send(client)
    async with client.get_queue_receiver(QUEUE) as receiver:
        (message,) = await receiver.receive_messages(max_wait_time=WAIT_SECONDS)
        before = message.locked_until_utc
        assert before is not None

        renewed = await receiver.renew_message_lock(message)

        assert renewed > before
        assert message.locked_until_utc == renewed
        await receiver.complete_message(message)


async def test_a_renewed_lock_that_runs_out_delivers_the_message_again(
    client: ServiceBusClient,
) -> None:
    message_id = await send(client)
    async with client.get_queue_receiver(QUEUE) as receiver:
        (first,) = await receiver.receive_messages(max_wait_time=WAIT_SECONDS)
        await receiver.renew_message_lock(first)
        # The lock now runs out later than when it was taken: the broker must still notice
        # when it does, while this receiver waits with credit.
        (second,) = await receiver.receive_messages(max_wait_time=WAIT_SECONDS)

        assert second.message_id == message_id
        assert second.delivery_count == 1
        await receiver.complete_message(second)


async def test_peeking_shows_messages_in_order_without_locking_them(
    client: ServiceBusClient,
) -> None:
    sent = [await send(client) for _ in range(3)]
    async with client.get_queue_receiver(QUEUE) as receiver:
        peeked = await receiver.peek_messages(10)
        assert [m.message_id for m in peeked] == sent
        assert [m.sequence_number for m in peeked] == [1, 2, 3]
        received = await receiver.receive_messages(max_message_count=3, max_wait_time=WAIT_SECONDS)
        assert [m.message_id for m in received] == sent
