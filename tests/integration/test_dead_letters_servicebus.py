"""The dead-letter command's Service Bus path, against the Service Bus test broker.

The queue's dead letters are made as Service Bus makes them (a receiver dead-letters a message
with a reason, or abandons it MaxDeliveryCount times); the command then lists, shows and
re-queues them over AMQP, with the poison store on the embedded backend.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.servicebus import ServiceBusMessage, ServiceBusSubQueue
from azure.servicebus.aio import ServiceBusClient

from tests.conftest import embedded_settings
from tests.integration.test_dead_letters_tool import command, place_order
from tests.stand_ins.servicebus_broker import servicebus_broker

QUEUE = "submit-order"  # declared in emulators/servicebus/Config.json
MAX_DELIVERY_COUNT = 10  # the queue's, in Config.json
WAIT_SECONDS = 10.0


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[str]:
    with servicebus_broker(tmp_path / "broker.log") as value:
        yield value


@pytest.fixture
async def settings(connection: str, tmp_path: Path) -> dict[str, str]:
    """Two dead letters on the queue: one with a reason, one past MaxDeliveryCount."""
    async with ServiceBusClient.from_connection_string(connection) as client:
        async with client.get_queue_sender(QUEUE) as sender:
            for message_id, body in (("stuck-1", b'{"x": 1}'), ("flaky-1", b'{"x": 2}')):
                await sender.send_messages(
                    ServiceBusMessage(
                        body,
                        message_id=message_id,
                        correlation_id="trace-7",
                        application_properties={"schemaVersion": 1},
                    )
                )
        async with client.get_queue_receiver(QUEUE) as receiver:
            (stuck,) = await receiver.receive_messages(max_wait_time=WAIT_SECONDS)
            assert stuck.message_id == "stuck-1"
            await receiver.dead_letter_message(
                stuck, reason="LockLostTooOften", error_description="The worker kept dying."
            )
            for _ in range(MAX_DELIVERY_COUNT):
                (flaky,) = await receiver.receive_messages(max_wait_time=WAIT_SECONDS)
                await receiver.abandon_message(flaky)
    return {
        **embedded_settings(tmp_path / "data"),
        "MessagingBackend": "servicebus",
        "ServiceBusConnection": connection,
        "SubmitOrderQueue": QUEUE,
    }


async def test_list_and_show_read_the_dead_letters_with_reason_body_and_description(
    settings: dict[str, str], tmp_path: Path
) -> None:
    code, out = await command(settings, tmp_path, "list", "--source", "dlq")

    assert code == 0
    rows = {line.split()[1]: line.split() for line in out.splitlines()[1:]}
    assert rows["stuck-1"][:4] == ["dlq", "stuck-1", "dead-lettered", "LockLostTooOften"]
    assert rows["flaky-1"][:6] == [
        "dlq",
        "flaky-1",
        "dead-lettered",
        "MaxDeliveryCountExceeded",
        "-",  # ORDER: the body names no order
        "10",
    ]

    code, out = await command(settings, tmp_path, "show", "stuck-1")

    assert code == 0
    shown = json.loads(out)
    assert shown["bodyText"] == '{"x": 1}'
    assert shown["correlationId"] == "trace-7"
    # Service Bus keeps the reason and description among the application properties.
    assert shown["applicationProperties"] == {
        "schemaVersion": 1,
        "DeadLetterReason": "LockLostTooOften",
        "DeadLetterErrorDescription": "The worker kept dying.",
    }
    assert shown["deadLetterErrorDescription"] == "The worker kept dying."


async def test_requeue_sends_the_body_again_under_a_new_id_and_removes_the_dead_letter(
    settings: dict[str, str], tmp_path: Path, connection: str
) -> None:
    code, out = await command(settings, tmp_path, "requeue", "stuck-1")

    assert (code, out) == (0, "Re-queued dead letter stuck-1 as stuck-1:requeue:1\n")
    async with ServiceBusClient.from_connection_string(connection) as client:
        async with client.get_queue_receiver(QUEUE) as receiver:
            (requeued,) = await receiver.receive_messages(max_wait_time=WAIT_SECONDS)
            assert requeued.message_id == "stuck-1:requeue:1"
            assert b"".join(requeued.body) == b'{"x": 1}'
            assert requeued.correlation_id == "trace-7"
            # The sender's properties, not the dead letter's reason and description.
            assert requeued.application_properties == {b"schemaVersion": 1}
            await receiver.complete_message(requeued)
        async with client.get_queue_receiver(
            QUEUE, sub_queue=ServiceBusSubQueue.DEAD_LETTER
        ) as dead_letters:
            left = await dead_letters.peek_messages(10)
    assert [m.message_id for m in left] == ["flaky-1"]

    code, _ = await command(settings, tmp_path, "requeue", "stuck-1", "--source", "dlq")
    assert code == 1


async def dead_letter_counts(connection: str) -> dict[str, int]:
    """The delivery count of each dead letter, by message id (peeked: nothing changes)."""
    client = ServiceBusClient.from_connection_string(connection)
    dead_letter_queue = client.get_queue_receiver(QUEUE, sub_queue=ServiceBusSubQueue.DEAD_LETTER)
    async with client, dead_letter_queue:
        left = await dead_letter_queue.peek_messages(100)
    return {str(m.message_id): m.delivery_count or 0 for m in left}


async def test_purge_placed_completes_exactly_the_dead_letters_whose_order_exists(
    settings: dict[str, str], tmp_path: Path, connection: str
) -> None:
    late = [f"late-{n}" for n in range(1, 4)]
    async with ServiceBusClient.from_connection_string(connection) as client:
        for message_id in late:
            await place_order(settings, customer="ann", order_id=f"order-{message_id}")
            async with client.get_queue_sender(QUEUE) as sender:
                body = json.dumps({"customer": "ann", "orderId": f"order-{message_id}"})
                await sender.send_messages(ServiceBusMessage(body, message_id=message_id))
            async with client.get_queue_receiver(QUEUE) as receiver:
                (message,) = await receiver.receive_messages(max_wait_time=WAIT_SECONDS)
                await receiver.dead_letter_message(message, reason="MaxDeliveryCountExceeded")
    before = await dead_letter_counts(connection)

    code, out = await command(settings, tmp_path, "purge-placed")

    assert (code, out.splitlines()[-1]) == (0, "3 dead letter(s) purged.")
    after = await dead_letter_counts(connection)
    assert sorted(after) == ["flaky-1", "stuck-1"]
    # One pass through the dead letters: each one kept was locked and abandoned at most once.
    assert all(after[id] <= before[id] + 1 for id in after), (before, after)
