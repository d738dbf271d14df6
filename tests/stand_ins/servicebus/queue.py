"""A Service Bus queue's state: messages, peek-locks, delivery counts, dead letters, duplicates.

No I/O and no AMQP here: the broker calls these methods from its one event loop thread, with
the time passed in. Messages are kept as the bytes the sender encoded; the broker adds the
broker-owned properties (sequence number, lock, delivery count...) each time it delivers one.

Semantics follow Service Bus: the delivery count (the AMQP header's, 0 on the first delivery)
rises when a lock is abandoned or expires; a message whose count reaches MaxDeliveryCount
moves to the dead-letter sub-queue with reason ``MaxDeliveryCountExceeded``; with duplicate
detection, a message id seen within the window is accepted and dropped.
"""

import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime

from tests.stand_ins.servicebus.config import QueueProperties

# Bounds: a test broker must not grow without limit if a test loops.
MAX_MESSAGES = 10_000
MAX_REMEMBERED_IDS = 100_000
MAX_DELIVERY_COUNT_EXCEEDED = "MaxDeliveryCountExceeded"


class QueueFull(Exception):
    """The queue holds MAX_MESSAGES (Service Bus: quota exceeded)."""


class LockLost(Exception):
    """The lock token is unknown, settled or expired (Service Bus: message lock lost)."""


@dataclass
class StoredMessage:
    sequence_number: int
    encoded: bytes
    enqueued_at: datetime
    delivery_count: int = 0
    lock_token: uuid.UUID | None = None
    locked_until: datetime | None = None
    dead_letter_reason: str | None = None
    dead_letter_description: str | None = None
    dead_letter_source: str | None = None


class Queue:
    """One queue or dead-letter sub-queue, in sequence-number order."""

    def __init__(self, name: str, properties: QueueProperties) -> None:
        self.name = name
        self.properties = properties
        self._messages: OrderedDict[int, StoredMessage] = OrderedDict()
        self._locks: dict[uuid.UUID, StoredMessage] = {}
        self._seen_ids: OrderedDict[str, datetime] = OrderedDict()
        self._next_sequence_number = 1
        self.dead_letters: Queue | None = None

    # Sending

    def enqueue(self, encoded: bytes, message_id: str | None, now: datetime) -> bool:
        """Store a sent message; False when duplicate detection dropped it."""
        if self.properties.requires_duplicate_detection and message_id is not None:
            self._forget_ids_older_than(now - self.properties.duplicate_detection_window)
            if message_id in self._seen_ids:
                return False
            self._seen_ids[message_id] = now
            if len(self._seen_ids) > MAX_REMEMBERED_IDS:
                self._seen_ids.popitem(last=False)
        self._store(StoredMessage(self._next_sequence_number, encoded, now))
        return True

    def _store(self, message: StoredMessage) -> None:
        if len(self._messages) >= MAX_MESSAGES:
            raise QueueFull(f"queue '{self.name}' holds {MAX_MESSAGES} messages")
        self._next_sequence_number = max(self._next_sequence_number, message.sequence_number + 1)
        self._messages[message.sequence_number] = message

    def _forget_ids_older_than(self, cutoff: datetime) -> None:
        while self._seen_ids and next(iter(self._seen_ids.values())) < cutoff:
            self._seen_ids.popitem(last=False)

    # Peek-lock receiving and settlement

    def lock_next(self, now: datetime) -> StoredMessage | None:
        """Lock the first available message for the queue's lock duration."""
        self.expire_locks(now)
        for message in self._messages.values():
            if message.lock_token is None:
                message.lock_token = uuid.uuid4()
                message.locked_until = now + self.properties.lock_duration
                self._locks[message.lock_token] = message
                return message
        return None

    def take_next(self, now: datetime) -> StoredMessage | None:
        """Remove and return the first available message (receive-and-delete)."""
        self.expire_locks(now)
        for message in self._messages.values():
            if message.lock_token is None:
                del self._messages[message.sequence_number]
                return message
        return None

    def complete(self, lock_token: uuid.UUID, now: datetime) -> None:
        message = self._locked(lock_token, now)
        del self._messages[message.sequence_number]

    def abandon(self, lock_token: uuid.UUID, now: datetime) -> None:
        self._count_failed_delivery(self._locked(lock_token, now))

    def release(self, lock_token: uuid.UUID, now: datetime) -> None:
        """Give the lock up without counting a delivery (AMQP released: never processed)."""
        self._unlock(self._locked(lock_token, now))

    def renew_lock(self, lock_token: uuid.UUID, now: datetime) -> datetime:
        message = self._locked(lock_token, now)
        message.locked_until = now + self.properties.lock_duration
        return message.locked_until

    def dead_letter(
        self, lock_token: uuid.UUID, reason: str | None, description: str | None, now: datetime
    ) -> None:
        self._move_to_dead_letters(self._locked(lock_token, now), reason, description)

    def expire_locks(self, now: datetime) -> None:
        for message in [
            m for m in self._locks.values() if m.locked_until and m.locked_until <= now
        ]:
            self._count_failed_delivery(message)

    def next_lock_expiry(self) -> datetime | None:
        return min((m.locked_until for m in self._locks.values() if m.locked_until), default=None)

    def has_available(self) -> bool:
        return len(self._locks) < len(self._messages)

    # Browsing

    def peek(self, from_sequence_number: int, count: int) -> list[StoredMessage]:
        """Up to ``count`` messages from a sequence number on, locked or not; nothing changes."""
        found = [m for m in self._messages.values() if m.sequence_number >= from_sequence_number]
        return found[:count]

    # Internals

    def _locked(self, lock_token: uuid.UUID, now: datetime) -> StoredMessage:
        self.expire_locks(now)
        message = self._locks.get(lock_token)
        if message is None:
            raise LockLost(f"the lock {lock_token} on '{self.name}' is lost or was never held")
        return message

    def _unlock(self, message: StoredMessage) -> None:
        assert message.lock_token is not None
        del self._locks[message.lock_token]
        message.lock_token = None
        message.locked_until = None

    def _count_failed_delivery(self, message: StoredMessage) -> None:
        self._unlock(message)
        message.delivery_count += 1
        if self.dead_letters is not None and (
            message.delivery_count >= self.properties.max_delivery_count
        ):
            count = self.properties.max_delivery_count
            self._move_to_dead_letters(
                message,
                MAX_DELIVERY_COUNT_EXCEEDED,
                f"Message could not be consumed after {count} delivery attempts.",
            )

    def _move_to_dead_letters(
        self, message: StoredMessage, reason: str | None, description: str | None
    ) -> None:
        if self.dead_letters is None:
            raise LockLost(f"'{self.name}' is a dead-letter queue: its messages stay there")
        if message.lock_token is not None:
            self._unlock(message)
        del self._messages[message.sequence_number]
        message.dead_letter_reason = reason
        message.dead_letter_description = description
        message.dead_letter_source = self.name
        self.dead_letters._store(message)


def with_dead_letters(name: str, properties: QueueProperties) -> Queue:
    """A queue and its ``$deadletterqueue`` sub-queue (no duplicate detection there)."""
    queue = Queue(name, properties)
    queue.dead_letters = Queue(
        f"{name}/$deadletterqueue", replace(properties, requires_duplicate_detection=False)
    )
    return queue
