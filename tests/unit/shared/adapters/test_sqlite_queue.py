"""What only the embedded queue promises, beyond the backend contract: Service Bus peek-lock
semantics (lock expiry, dead letters, duplicate detection) and sharing a file between processes.
"""

import asyncio
import json
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import pytest

from shared.adapters.sqlite_queue import (
    MAX_DELIVERY_COUNT_EXCEEDED,
    MessageLockLost,
    QueueCounts,
    ReceivedMessage,
    SqliteQueue,
)
from shared.ports import OutgoingMessage

PROJECT_ROOT = Path(__file__).resolve().parents[4]
QUEUE_NAME = "submit-order"
SHORT_LOCK = timedelta(seconds=1)
# Long enough for a short lock to have expired, with a margin for a slow machine.
AFTER_SHORT_LOCK_SECONDS = 1.2


class QueueFactory(Protocol):
    def __call__(
        self,
        queue_name: str = QUEUE_NAME,
        *,
        lock_duration: timedelta = timedelta(seconds=30),
        max_delivery_count: int = 10,
        duplicate_detection_window: timedelta = timedelta(minutes=10),
    ) -> SqliteQueue: ...


def message(message_id: str, body: bytes = b'{"cartId": "cart-1"}') -> OutgoingMessage:
    return OutgoingMessage(
        body=body,
        message_id=message_id,
        correlation_id="request-1",
        subject="SubmitOrder",
        application_properties={"schemaVersion": 1},
    )


@pytest.fixture
def database_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "queue.sqlite3"


@pytest.fixture
async def open_queue(database_path: Path) -> AsyncIterator[QueueFactory]:
    """Opens queues on the test's file (any name and options), closing them all afterwards."""
    opened: list[SqliteQueue] = []

    def open_queue(
        queue_name: str = QUEUE_NAME,
        *,
        lock_duration: timedelta = timedelta(seconds=30),
        max_delivery_count: int = 10,
        duplicate_detection_window: timedelta = timedelta(minutes=10),
    ) -> SqliteQueue:
        queue = SqliteQueue(
            database_path,
            queue_name,
            lock_duration=lock_duration,
            max_delivery_count=max_delivery_count,
            duplicate_detection_window=duplicate_detection_window,
        )
        opened.append(queue)
        return queue

    yield open_queue
    for queue in opened:
        await queue.close()


async def receive_one(queue: SqliteQueue) -> ReceivedMessage:
    received = await queue.receive()
    assert len(received) == 1
    return received[0]


async def test_receive_returns_at_once_when_nothing_is_available(
    open_queue: QueueFactory,
) -> None:
    assert await open_queue().receive(max_messages=10) == []


async def test_messages_are_received_in_the_order_they_were_sent(
    open_queue: QueueFactory,
) -> None:
    queue = open_queue()
    for n in range(5):
        await queue.send(message(f"m{n}"))

    first = await queue.receive(max_messages=3)
    rest = await queue.receive(max_messages=3)

    assert [m.message_id for m in first] == ["m0", "m1", "m2"]
    assert [m.message_id for m in rest] == ["m3", "m4"]
    assert len({m.lock_token for m in first + rest}) == 5


async def test_a_received_message_is_locked_until_settled(open_queue: QueueFactory) -> None:
    queue = open_queue()
    await queue.send(message("m1"))

    received = await receive_one(queue)

    assert await queue.receive() == []
    assert await queue.counts() == QueueCounts(active=0, locked=1, dead_lettered=0)
    await queue.complete(received)
    assert await queue.counts() == QueueCounts(active=0, locked=0, dead_lettered=0)


async def test_a_message_whose_lock_expired_is_delivered_again(open_queue: QueueFactory) -> None:
    queue = open_queue(lock_duration=SHORT_LOCK)
    await queue.send(message("m1"))
    first = await receive_one(queue)

    await asyncio.sleep(AFTER_SHORT_LOCK_SECONDS)
    second = await receive_one(queue)

    assert second.message_id == "m1"
    assert second.delivery_count == 2
    assert second.lock_token != first.lock_token
    with pytest.raises(MessageLockLost):
        await queue.complete(first)
    await queue.complete(second)


async def test_completing_after_the_lock_expired_raises_message_lock_lost(
    open_queue: QueueFactory,
) -> None:
    queue = open_queue(lock_duration=SHORT_LOCK)
    await queue.send(message("m1"))
    received = await receive_one(queue)

    await asyncio.sleep(AFTER_SHORT_LOCK_SECONDS)

    with pytest.raises(MessageLockLost):
        await queue.complete(received)
    with pytest.raises(MessageLockLost):
        await queue.abandon(received)
    assert (await receive_one(queue)).message_id == "m1"


async def test_a_receiver_completes_what_it_finished_while_it_receives_more(
    open_queue: QueueFactory,
) -> None:
    queue = open_queue()
    for n in range(4):
        await queue.send(message(f"m{n}"))
    finished = await queue.receive(2)

    received, lost = await queue.complete_and_receive(finished, 5)

    assert [m.message_id for m in received] == ["m2", "m3"]
    assert lost == []
    assert await queue.counts() == QueueCounts(active=0, locked=2, dead_lettered=0)
    assert await queue.complete_and_receive(received, 0) == ([], [])
    assert await queue.counts() == QueueCounts(active=0, locked=0, dead_lettered=0)


async def test_a_completion_whose_lock_was_lost_is_handed_back_and_delivered_again(
    open_queue: QueueFactory,
) -> None:
    queue = open_queue(lock_duration=SHORT_LOCK)
    await queue.send(message("m1"))
    first = await receive_one(queue)
    await asyncio.sleep(AFTER_SHORT_LOCK_SECONDS)

    received, lost = await queue.complete_and_receive([first], 1)

    assert lost == [first]
    assert [(m.message_id, m.delivery_count) for m in received] == [("m1", 2)]


async def test_renewing_the_lock_keeps_the_message(open_queue: QueueFactory) -> None:
    queue = open_queue(lock_duration=SHORT_LOCK)
    await queue.send(message("m1"))
    received = await receive_one(queue)

    await asyncio.sleep(0.6)
    locked_until = await queue.renew_lock(received)
    await asyncio.sleep(0.6)

    assert locked_until > received.locked_until_utc
    assert await queue.receive() == []
    await queue.complete(received)


async def test_abandoning_the_last_delivery_dead_letters_the_message(
    open_queue: QueueFactory,
) -> None:
    queue = open_queue(max_delivery_count=2)
    await queue.send(message("m1", body=b"original body"))

    await queue.abandon(await receive_one(queue))
    await queue.abandon(await receive_one(queue))

    assert await queue.receive() == []
    [dead] = await queue.dead_letters()
    assert dead.message_id == "m1"
    assert dead.body == b"original body"
    assert dead.application_properties == {"schemaVersion": 1}
    assert dead.delivery_count == 2
    assert dead.dead_letter_reason == MAX_DELIVERY_COUNT_EXCEEDED
    assert await queue.counts() == QueueCounts(active=0, locked=0, dead_lettered=1)


async def test_a_lock_expiring_on_the_last_delivery_dead_letters_the_message(
    open_queue: QueueFactory,
) -> None:
    queue = open_queue(lock_duration=SHORT_LOCK, max_delivery_count=1)
    await queue.send(message("m1"))
    await receive_one(queue)

    await asyncio.sleep(AFTER_SHORT_LOCK_SECONDS)

    assert await queue.receive() == []
    [dead] = await queue.dead_letters()
    assert dead.message_id == "m1"
    assert dead.dead_letter_reason == MAX_DELIVERY_COUNT_EXCEEDED


async def test_dead_lettering_keeps_the_reason_and_description(
    open_queue: QueueFactory,
) -> None:
    queue = open_queue()
    await queue.send(message("m1"))
    received = await receive_one(queue)

    await queue.dead_letter(received, "UnknownSchemaVersion", "schemaVersion 1 is not handled")

    [dead] = await queue.dead_letters()
    assert dead.sequence_number == received.sequence_number
    assert dead.dead_letter_reason == "UnknownSchemaVersion"
    assert dead.dead_letter_error_description == "schemaVersion 1 is not handled"
    assert dead.delivery_count == 1
    assert dead.body == received.body
    assert dead.dead_lettered_at_utc >= received.enqueued_time_utc
    with pytest.raises(MessageLockLost):
        await queue.complete(received)


async def test_a_requeued_dead_letter_is_delivered_again_from_a_fresh_count(
    open_queue: QueueFactory,
) -> None:
    queue = open_queue(max_delivery_count=1)
    await queue.send(message("m1"))
    await queue.abandon(await receive_one(queue))
    [dead] = await queue.dead_letters()

    assert await queue.requeue_dead_letter(dead.sequence_number) is True
    assert await queue.requeue_dead_letter(dead.sequence_number) is False
    assert await queue.requeue_dead_letter(dead.sequence_number + 1000) is False

    again = await receive_one(queue)
    assert again.message_id == "m1"
    assert again.delivery_count == 1
    assert await queue.dead_letters() == []


async def test_a_resend_within_the_duplicate_detection_window_is_dropped(
    open_queue: QueueFactory,
) -> None:
    queue = open_queue(duplicate_detection_window=timedelta(milliseconds=300))
    await queue.send(message("m1", body=b"first"))
    await queue.send(message("m1", body=b"resent"))
    assert await queue.counts() == QueueCounts(active=1, locked=0, dead_lettered=0)

    await asyncio.sleep(0.4)
    await queue.send(message("m1", body=b"after the window"))

    bodies = [m.body for m in await queue.receive(max_messages=10)]
    assert bodies == [b"first", b"after the window"]


async def test_queues_sharing_a_file_are_independent(open_queue: QueueFactory) -> None:
    orders, invoices = open_queue("orders"), open_queue("invoices")
    await orders.send(message("m1"))
    # The same message id in another queue is not a duplicate.
    await invoices.send(message("m1", body=b"invoice"))

    assert [m.body for m in await invoices.receive(max_messages=10)] == [b"invoice"]
    assert [m.message_id for m in await orders.receive(max_messages=10)] == ["m1"]


async def test_messages_survive_closing_and_reopening_the_file(database_path: Path) -> None:
    sender = SqliteQueue(database_path, QUEUE_NAME)
    await sender.send(message("m1", body=b"durable"))
    await sender.close()

    receiver = SqliteQueue(database_path, QUEUE_NAME)
    try:
        received = await receive_one(receiver)
        assert received.body == b"durable"
        assert received.application_properties == {"schemaVersion": 1}
    finally:
        await receiver.close()


# Receives and completes until the queue is empty, then prints the message ids it got.
# It says "ready" once connected and waits for a line on stdin, so both processes start together.
DRAINING_PROCESS = """
import asyncio, json, sys
from pathlib import Path
from shared.adapters.sqlite_queue import SqliteQueue

async def drain(path: str, queue_name: str) -> None:
    queue = SqliteQueue(Path(path), queue_name)
    await queue.counts()
    print("ready", flush=True)
    sys.stdin.readline()
    received = []
    try:
        while batch := await queue.receive(max_messages=2):
            for message in batch:
                received.append(message.message_id)
                await queue.complete(message)
            await asyncio.sleep(0.001)  # Handling takes a moment, letting the other process in.
    finally:
        # Also on failure: an open connection's thread would keep the process alive.
        await queue.close()
    print(json.dumps(received), flush=True)

asyncio.run(drain(sys.argv[1], sys.argv[2]))
"""


async def test_two_processes_draining_one_file_never_receive_the_same_message(
    database_path: Path, open_queue: QueueFactory
) -> None:
    queue = open_queue()
    sent = {f"m{n:03d}" for n in range(200)}
    for message_id in sorted(sent):
        await queue.send(message(message_id))

    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            DRAINING_PROCESS,
            str(database_path),
            QUEUE_NAME,
            cwd=PROJECT_ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        async with asyncio.timeout(30):
            for process in processes:
                assert process.stdout is not None
                assert await process.stdout.readline() == b"ready\n"
            outputs = await asyncio.gather(*(process.communicate(b"go\n") for process in processes))
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()

    assert [process.returncode for process in processes] == [0, 0]
    first, second = (set(json.loads(stdout)) for stdout, _ in outputs)
    # If one process got every message, they did not run concurrently and nothing was shown.
    assert first
    assert second
    assert first.isdisjoint(second)
    assert first | second == sent
    assert await queue.counts() == QueueCounts(active=0, locked=0, dead_lettered=0)


async def test_a_waiting_receiver_wakes_at_once_on_a_send_in_its_process(
    open_queue: QueueFactory,
) -> None:
    receiver, sender = open_queue(), open_queue()
    await receiver.receive()  # opens the file

    waiting = asyncio.create_task(receiver.wait_for_messages(max_wait=30))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await sender.send(message("m-1"))

    assert await asyncio.wait_for(waiting, 5) is True
    assert [m.message_id for m in await receiver.receive()] == ["m-1"]


async def test_a_waiting_receiver_sees_a_send_from_another_process(
    open_queue: QueueFactory, database_path: Path
) -> None:
    receiver = open_queue()
    await receiver.receive()

    waiting = asyncio.create_task(receiver.wait_for_messages(max_wait=30))
    await asyncio.sleep(0.05)
    await send_from_another_process(database_path, "m-2")

    assert await asyncio.wait_for(waiting, 5) is True


async def test_an_idle_receiver_commits_nothing(
    open_queue: QueueFactory, database_path: Path
) -> None:
    receiver = open_queue()
    await receiver.receive()
    watcher = sqlite3.connect(database_path)
    (before,) = watcher.execute("PRAGMA data_version").fetchone()
    wal_size = database_path.with_name(database_path.name + "-wal").stat().st_size

    assert await receiver.wait_for_messages(max_wait=0.3) is False

    (after,) = watcher.execute("PRAGMA data_version").fetchone()
    watcher.close()
    assert after == before
    assert database_path.with_name(database_path.name + "-wal").stat().st_size == wal_size


SENDING_PROCESS = """
import asyncio, sys
from pathlib import Path
from shared.adapters.sqlite_queue import SqliteQueue
from shared.ports import OutgoingMessage

async def send(path: str, queue_name: str, message_id: str) -> None:
    queue = SqliteQueue(Path(path), queue_name)
    try:
        await queue.send(OutgoingMessage(body=b"{}", message_id=message_id))
    finally:
        await queue.close()

asyncio.run(send(*sys.argv[1:]))
"""


async def send_from_another_process(database_path: Path, message_id: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SENDING_PROCESS,
        str(database_path),
        QUEUE_NAME,
        message_id,
        cwd=PROJECT_ROOT,
    )
    assert await asyncio.wait_for(process.wait(), 30) == 0
