"""The Service Bus test broker's queue model: the rules its AMQP tests cannot reach quickly."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.stand_ins.servicebus import addresses
from tests.stand_ins.servicebus.config import QueueProperties, duration
from tests.stand_ins.servicebus.queue import LockLost, Queue, QueueFull, with_dead_letters

START = datetime(2025, 4, 11, 1, 10, 50, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def deduplicating_queue() -> Queue:
    return with_dead_letters(
        "submit-order",
        QueueProperties(requires_duplicate_detection=True, duplicate_detection_window=WINDOW),
    )


def test_a_message_id_is_dropped_within_the_window_and_accepted_after_it() -> None:
    queue = deduplicating_queue()

    assert queue.enqueue(b"first", "order-1", START)
    assert not queue.enqueue(b"again", "order-1", START + WINDOW - timedelta(seconds=1))
    assert queue.enqueue(b"later", "order-1", START + WINDOW + timedelta(seconds=1))
    assert [m.encoded for m in queue.peek(0, 10)] == [b"first", b"later"]


def test_without_duplicate_detection_every_send_is_kept() -> None:
    queue = with_dead_letters("plain", QueueProperties(requires_duplicate_detection=False))

    assert queue.enqueue(b"a", "same", START)
    assert queue.enqueue(b"b", "same", START)
    assert len(queue.peek(0, 10)) == 2


def test_a_full_queue_refuses_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.stand_ins.servicebus.queue.MAX_MESSAGES", 2)
    queue = with_dead_letters("small", QueueProperties())
    queue.enqueue(b"1", None, START)
    queue.enqueue(b"2", None, START)

    with pytest.raises(QueueFull):
        queue.enqueue(b"3", None, START)


def test_settling_an_unknown_or_expired_lock_is_lock_lost() -> None:
    queue = with_dead_letters("q", QueueProperties(lock_duration=timedelta(seconds=30)))
    queue.enqueue(b"x", "m", START)
    locked = queue.lock_next(START)
    assert locked is not None
    assert locked.lock_token is not None

    with pytest.raises(LockLost):
        queue.complete(uuid.uuid4(), START)
    with pytest.raises(LockLost):
        queue.complete(locked.lock_token, START + timedelta(seconds=30))
    again = queue.lock_next(START + timedelta(seconds=30))
    assert again is not None
    assert again.delivery_count == 1


def test_a_released_lock_does_not_count_a_delivery() -> None:
    queue = with_dead_letters("q", QueueProperties())
    queue.enqueue(b"x", "m", START)
    locked = queue.lock_next(START)
    assert locked is not None
    assert locked.lock_token is not None

    queue.release(locked.lock_token, START)

    again = queue.lock_next(START)
    assert again is not None
    assert again.delivery_count == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT1M", timedelta(minutes=1)),
        ("PT5M", timedelta(minutes=5)),
        ("PT1H", timedelta(hours=1)),
        ("P1DT30S", timedelta(days=1, seconds=30)),
    ],
)
def test_config_durations_are_read_as_iso_8601(text: str, expected: timedelta) -> None:
    assert duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "1M", "PT1.5M"])
def test_a_malformed_config_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        duration(text)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("$cbs", addresses.Address("cbs")),
        ("amqp://127.0.0.1:5672/submit-order", addresses.Address("entity", "submit-order")),
        (
            "amqps://host/submit-order/$DeadLetterQueue",
            addresses.Address("entity", "submit-order/$deadletterqueue"),
        ),
        (
            "submit-order/$DeadLetterQueue/$management",
            addresses.Address("management", "submit-order/$deadletterqueue"),
        ),
        ("submit-order/$management", addresses.Address("management", "submit-order")),
        ("$other", None),
        ("", None),
        (None, None),
    ],
)
def test_link_addresses_name_their_node(
    address: str | None, expected: addresses.Address | None
) -> None:
    assert addresses.parse(address) == expected
