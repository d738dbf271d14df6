"""A durable queue on an embedded SQLite file: the local twin of a Service Bus queue.

It keeps the Service Bus semantics the app relies on: peek-lock delivery (a received message is
locked for ``lock_duration`` and comes back if not completed in time), a delivery count, dead
lettering after ``max_delivery_count`` deliveries, duplicate detection on the message id, and
FIFO order among available messages. Several processes may share the file, and several queues
(told apart by name) may share one file.
"""

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shared.adapters.sqlite_database import SqliteDatabase
from shared.ports import MessageSender, OutgoingMessage
from shared.settings import EmbeddedSettings
from shared.unique_ids import unique_uuid

MAX_DELIVERY_COUNT_EXCEEDED = "MaxDeliveryCountExceeded"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# How often a waiting receiver looks for commits by other processes (a read, not a write):
# every 5 ms at first, slowing down while nothing happens to 50 ms, so an idle host costs
# little CPU and a busy one hears of new messages at once.
CHANGE_POLL_SECONDS = 0.005
IDLE_CHANGE_POLL_SECONDS = 0.05
_POLL_SLOWDOWN = 1.25

_ACTIVE = "active"
_DEAD_LETTERED = "dead_lettered"

# Times are whole microseconds since the Unix epoch (UTC): exact, and compared as integers.
SCHEMA = """
CREATE TABLE IF NOT EXISTS queue_messages (
    sequence_number INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_name TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body BLOB NOT NULL,
    correlation_id TEXT,
    content_type TEXT,
    subject TEXT,
    application_properties TEXT NOT NULL,
    enqueued_at INTEGER NOT NULL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    lock_token TEXT,
    locked_until INTEGER,
    dead_letter_reason TEXT,
    dead_letter_description TEXT,
    dead_lettered_at INTEGER
);

CREATE INDEX IF NOT EXISTS queue_messages_by_state
    ON queue_messages (queue_name, state, sequence_number);

-- Message ids sent recently, for duplicate detection.
CREATE TABLE IF NOT EXISTS queue_sent_message_ids (
    queue_name TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (queue_name, message_id)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS queue_sent_message_ids_by_sent_at
    ON queue_sent_message_ids (queue_name, sent_at);
"""

_MESSAGE_COLUMNS = (
    "sequence_number, message_id, body, correlation_id, content_type, subject,"
    " application_properties, delivery_count, enqueued_at"
)

# Not locked: never received, abandoned, or its lock expired.
_AVAILABLE = "queue_name = ? AND state = 'active' AND (locked_until IS NULL OR locked_until <= ?)"


class MessageLockLost(Exception):
    """The message's lock expired or passed to another receiver; it will be delivered again."""


@dataclass(frozen=True)
class ReceivedMessage:
    sequence_number: int
    message_id: str
    body: bytes
    correlation_id: str | None
    content_type: str | None
    subject: str | None
    application_properties: dict[str, str | int]
    delivery_count: int  # counts this delivery: 1 on the first
    enqueued_time_utc: datetime
    locked_until_utc: datetime
    lock_token: str


@dataclass(frozen=True)
class DeadLetteredMessage:
    sequence_number: int
    message_id: str
    body: bytes
    correlation_id: str | None
    content_type: str | None
    subject: str | None
    application_properties: dict[str, str | int]
    delivery_count: int
    enqueued_time_utc: datetime
    dead_letter_reason: str
    dead_letter_error_description: str
    dead_lettered_at_utc: datetime


@dataclass(frozen=True)
class QueueCounts:
    """Messages by state; each message is in exactly one."""

    active: int  # waiting for a receiver
    locked: int  # received, neither settled nor expired yet
    dead_lettered: int


class SqliteQueue(MessageSender):
    """One named queue in a SQLite file: sends, and receives with peek-lock."""

    def __init__(
        self,
        database_path: Path,
        queue_name: str,
        *,
        lock_duration: timedelta = timedelta(seconds=30),
        max_delivery_count: int = 10,
        duplicate_detection_window: timedelta = timedelta(minutes=10),
    ) -> None:
        if not queue_name:
            raise ValueError("queue_name must not be empty.")
        if lock_duration <= timedelta(0):
            raise ValueError("lock_duration must be positive.")
        if max_delivery_count < 1:
            raise ValueError("max_delivery_count must be at least 1.")
        self.queue_name = queue_name
        self.lock_duration = lock_duration
        self.max_delivery_count = max_delivery_count
        self.duplicate_detection_window = duplicate_detection_window
        self._database = SqliteDatabase(database_path, SCHEMA)
        self._arrival_key = (str(database_path.absolute()), queue_name)
        self._idle_poll = CHANGE_POLL_SECONDS

    @classmethod
    def from_settings(cls, settings: EmbeddedSettings, queue_name: str) -> "SqliteQueue":
        """The app's queue named ``queue_name`` in the embedded data directory: the one place
        the app, the local host's queue trigger and the dead-letter command build it."""
        return cls(
            settings.queue_path,
            queue_name,
            lock_duration=settings.lock_duration,
            max_delivery_count=settings.max_delivery_count,
        )

    async def send(self, message: OutgoingMessage) -> None:
        if not message.message_id:
            raise ValueError("A message needs a non-empty message_id.")
        application_properties = json.dumps(dict(message.application_properties))

        def remember_and_insert(connection: sqlite3.Connection) -> bool:
            now = _now()
            # Forgetting ids older than the window on every send keeps the table small.
            connection.execute(
                "DELETE FROM queue_sent_message_ids WHERE queue_name = ? AND sent_at <= ?",
                (self.queue_name, now - _microseconds(self.duplicate_detection_window)),
            )
            remembered = connection.execute(
                "INSERT OR IGNORE INTO queue_sent_message_ids (queue_name, message_id, sent_at)"
                " VALUES (?, ?, ?)",
                (self.queue_name, message.message_id, now),
            )
            if remembered.rowcount == 0:
                return False  # Sent within the window: dropped silently, as Service Bus does.
            connection.execute(
                "INSERT INTO queue_messages (queue_name, message_id, body, correlation_id,"
                " content_type, subject, application_properties, enqueued_at, state)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.queue_name,
                    message.message_id,
                    bytes(message.body),
                    message.correlation_id,
                    message.content_type,
                    message.subject,
                    application_properties,
                    now,
                    _ACTIVE,
                ),
            )
            return True

        if await self._database.write(remember_and_insert):
            _arrivals.announce(self._arrival_key)

    async def receive(self, max_messages: int = 1) -> list[ReceivedMessage]:
        """Lock and return up to ``max_messages`` available messages, oldest first; never waits."""
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1.")
        received, _ = await self.complete_and_receive([], max_messages)
        return received

    async def complete_and_receive(
        self, completed: Sequence[ReceivedMessage], max_messages: int
    ) -> tuple[list[ReceivedMessage], list[ReceivedMessage]]:
        """Complete ``completed`` and lock up to ``max_messages`` more, in one transaction.

        A receiver that settles what it finished while it asks for more commits once for
        both, instead of once per message and once more per receive. Returns the messages
        received and the messages of ``completed`` whose lock was lost (they are not
        completed: they will be delivered again).
        """
        if max_messages < 0:
            raise ValueError("max_messages must not be negative.")

        # One write transaction from select to update: two processes never lock one message.
        def settle_then_lock(
            connection: sqlite3.Connection,
        ) -> tuple[list[ReceivedMessage], list[ReceivedMessage]]:
            # Read the clock once the write lock is held: waiting for it must not age the lock.
            now = _now()
            lost = self._delete_held(connection, completed, now)
            if max_messages == 0:
                return [], lost
            return self._lock_available(connection, now, max_messages), lost

        return await self._database.write(settle_then_lock)

    async def wait_for_messages(self, max_wait: float) -> bool:
        """Wait until a message may be available to receive(), for at most ``max_wait`` seconds.

        True at once when this process sends to the queue, within CHANGE_POLL_SECONDS to
        IDLE_CHANGE_POLL_SECONDS when another process commits to the file (``PRAGMA
        data_version``), and at the end when a message is available anyway (a lock expired).
        Reads only: an idle receiver writes nothing.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        with _arrivals.watch(self._arrival_key) as arrived:
            version = await self._database.lookup(_data_version)
            # Sent before the watch began: neither the event nor the version would tell.
            if await self._database.lookup(self._any_available):
                return True
            poll = self._idle_poll
            while (remaining := deadline - loop.time()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(arrived.wait(), min(poll, remaining))
                    self._idle_poll = CHANGE_POLL_SECONDS
                    return True
                if await self._database.lookup(_data_version) != version:
                    self._idle_poll = CHANGE_POLL_SECONDS
                    return True
                poll = self._idle_poll = min(poll * _POLL_SLOWDOWN, IDLE_CHANGE_POLL_SECONDS)
        return await self._database.lookup(self._any_available)

    async def complete(self, message: ReceivedMessage) -> None:
        """Settle the message: it is deleted. MessageLockLost if the lock is no longer held."""
        _, lost = await self.complete_and_receive([message], 0)
        if lost:
            raise _lock_lost(message)

    async def abandon(self, message: ReceivedMessage) -> None:
        """Release the lock so the message is available again at once.

        Dead-letters it instead when it has had its last delivery, as Service Bus does.
        """

        def release(connection: sqlite3.Connection) -> None:
            now = _now()
            delivery_count = self._require_lock(connection, message, now)
            if delivery_count >= self.max_delivery_count:
                _dead_letter(
                    connection,
                    [message.sequence_number],
                    MAX_DELIVERY_COUNT_EXCEEDED,
                    self._exhausted_description(),
                    now,
                )
            else:
                connection.execute(
                    "UPDATE queue_messages SET lock_token = NULL, locked_until = NULL"
                    " WHERE sequence_number = ?",
                    (message.sequence_number,),
                )

        await self._database.write(release)
        _arrivals.announce(self._arrival_key)

    async def dead_letter(self, message: ReceivedMessage, reason: str, description: str) -> None:
        """Move a locked message to the dead letters, with the receiver's reason."""

        def move(connection: sqlite3.Connection) -> None:
            now = _now()
            self._require_lock(connection, message, now)
            _dead_letter(connection, [message.sequence_number], reason, description, now)

        await self._database.write(move)

    async def renew_lock(self, message: ReceivedMessage) -> datetime:
        """Extend the lock by ``lock_duration`` from now; returns the new expiry."""

        def renew(connection: sqlite3.Connection) -> int:
            now = _now()
            locked_until = now + _microseconds(self.lock_duration)
            self._require_lock(connection, message, now)
            connection.execute(
                "UPDATE queue_messages SET locked_until = ? WHERE sequence_number = ?",
                (locked_until, message.sequence_number),
            )
            return locked_until

        return _datetime(await self._database.write(renew))

    async def dead_letters(self, limit: int = 100) -> list[DeadLetteredMessage]:
        """The oldest ``limit`` dead-lettered messages of this queue."""
        rows = await self._database.read(
            lambda connection: connection.execute(
                f"SELECT {_MESSAGE_COLUMNS}, dead_letter_reason, dead_letter_description,"
                " dead_lettered_at FROM queue_messages WHERE queue_name = ? AND state = ?"
                " ORDER BY sequence_number LIMIT ?",
                (self.queue_name, _DEAD_LETTERED, limit),
            ).fetchall()
        )
        return [_dead_lettered(row) for row in rows]

    async def requeue_dead_letter(self, sequence_number: int) -> bool:
        """Make a dead letter available again with a fresh delivery count; False if none."""

        def requeue(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "UPDATE queue_messages SET state = ?, delivery_count = 0, lock_token = NULL,"
                " locked_until = NULL, dead_letter_reason = NULL,"
                " dead_letter_description = NULL, dead_lettered_at = NULL"
                " WHERE sequence_number = ? AND queue_name = ? AND state = ?",
                (_ACTIVE, sequence_number, self.queue_name, _DEAD_LETTERED),
            )
            return cursor.rowcount == 1

        requeued = await self._database.write(requeue)
        if requeued:
            _arrivals.announce(self._arrival_key)
        return requeued

    async def check_reachable(self) -> None:
        await self.counts()

    async def delete_dead_letter(self, sequence_number: int) -> bool:
        """Remove a dead letter for good; False if there is none with that sequence number."""

        def delete(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "DELETE FROM queue_messages WHERE sequence_number = ? AND queue_name = ?"
                " AND state = ?",
                (sequence_number, self.queue_name, _DEAD_LETTERED),
            )
            return cursor.rowcount == 1

        return await self._database.write(delete)

    async def counts(self) -> QueueCounts:
        now = _now()
        active, locked, dead_lettered = await self._database.read(
            lambda connection: connection.execute(
                "SELECT"
                " coalesce(sum(state = 'active' AND coalesce(locked_until <= ?, 1)), 0),"
                " coalesce(sum(state = 'active' AND locked_until > ?), 0),"
                " coalesce(sum(state = 'dead_lettered'), 0)"
                " FROM queue_messages WHERE queue_name = ?",
                (now, now, self.queue_name),
            ).fetchone()
        )
        return QueueCounts(active=active, locked=locked, dead_lettered=dead_lettered)

    async def close(self) -> None:
        await self._database.close()

    def _any_available(self, connection: sqlite3.Connection) -> bool:
        row = connection.execute(
            f"SELECT 1 FROM queue_messages WHERE {_AVAILABLE} LIMIT 1", (self.queue_name, _now())
        ).fetchone()
        return row is not None

    def _require_lock(
        self, connection: sqlite3.Connection, message: ReceivedMessage, now: int
    ) -> int:
        """The message's delivery count, if ``message`` still holds an unexpired lock."""
        row = connection.execute(
            "SELECT delivery_count FROM queue_messages"
            " WHERE sequence_number = ? AND queue_name = ? AND state = 'active'"
            " AND lock_token = ? AND locked_until > ?",
            (message.sequence_number, self.queue_name, message.lock_token, now),
        ).fetchone()
        if row is None:
            raise _lock_lost(message)
        delivery_count: int = row[0]
        return delivery_count

    def _delete_held(
        self, connection: sqlite3.Connection, messages: Sequence[ReceivedMessage], now: int
    ) -> list[ReceivedMessage]:
        """Delete the messages whose lock is still held; returns the others."""
        held: list[ReceivedMessage] = []
        lost: list[ReceivedMessage] = []
        for message in messages:
            try:
                self._require_lock(connection, message, now)
            except MessageLockLost:
                lost.append(message)
            else:
                held.append(message)
        connection.executemany(
            "DELETE FROM queue_messages WHERE sequence_number = ?",
            [(message.sequence_number,) for message in held],
        )
        return lost

    def _lock_available(
        self, connection: sqlite3.Connection, now: int, max_messages: int
    ) -> list[ReceivedMessage]:
        """Lock up to ``max_messages`` available messages, oldest first."""
        locked_until = now + _microseconds(self.lock_duration)
        self._dead_letter_exhausted(connection, now)
        rows = connection.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM queue_messages WHERE {_AVAILABLE}"
            " ORDER BY sequence_number LIMIT ?",
            (self.queue_name, now, max_messages),
        ).fetchall()
        received = [_received(row, _new_lock_token(), locked_until) for row in rows]
        connection.executemany(
            "UPDATE queue_messages SET delivery_count = ?, lock_token = ?, locked_until = ?"
            " WHERE sequence_number = ?",
            [
                (message.delivery_count, message.lock_token, locked_until, message.sequence_number)
                for message in received
            ],
        )
        return received

    def _dead_letter_exhausted(self, connection: sqlite3.Connection, now: int) -> None:
        """Dead-letter available messages whose lock expired on their last delivery."""
        rows = connection.execute(
            f"SELECT sequence_number FROM queue_messages WHERE {_AVAILABLE}"
            " AND delivery_count >= ?",
            (self.queue_name, now, self.max_delivery_count),
        ).fetchall()
        sequence_numbers = [row[0] for row in rows]
        if sequence_numbers:
            _dead_letter(
                connection,
                sequence_numbers,
                MAX_DELIVERY_COUNT_EXCEEDED,
                self._exhausted_description(),
                now,
            )

    def _exhausted_description(self) -> str:
        return f"Message could not be consumed after {self.max_delivery_count} delivery attempts."


def _lock_lost(message: ReceivedMessage) -> MessageLockLost:
    return MessageLockLost(
        f"The lock on message '{message.message_id}' (sequence number"
        f" {message.sequence_number}) expired or is held by another receiver."
    )


def _dead_letter(
    connection: sqlite3.Connection,
    sequence_numbers: Iterable[int],
    reason: str,
    description: str,
    now: int,
) -> None:
    connection.executemany(
        "UPDATE queue_messages SET state = ?, lock_token = NULL, locked_until = NULL,"
        " dead_letter_reason = ?, dead_letter_description = ?, dead_lettered_at = ?"
        " WHERE sequence_number = ?",
        [(_DEAD_LETTERED, reason, description, now, number) for number in sequence_numbers],
    )


def _data_version(connection: sqlite3.Connection) -> int:
    """Changes whenever another connection (of any process) commits to the file."""
    version: int = connection.execute("PRAGMA data_version").fetchone()[0]
    return version


class _Arrivals:
    """Wakes this process's receivers of a queue when this process sends to it."""

    def __init__(self) -> None:
        self._waiting: dict[tuple[str, str], set[asyncio.Event]] = {}

    @contextlib.contextmanager
    def watch(self, key: tuple[str, str]) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        self._waiting.setdefault(key, set()).add(event)
        try:
            yield event
        finally:
            waiting = self._waiting.get(key)
            if waiting is not None:
                waiting.discard(event)
                if not waiting:
                    del self._waiting[key]

    def announce(self, key: tuple[str, str]) -> None:
        for event in self._waiting.get(key, ()):
            event.set()


_arrivals = _Arrivals()


def _received(row: Sequence[Any], lock_token: str, locked_until: int) -> ReceivedMessage:
    delivery_count: int = row[7]
    return ReceivedMessage(
        **_message_fields(row),
        delivery_count=delivery_count + 1,
        locked_until_utc=_datetime(locked_until),
        lock_token=lock_token,
    )


def _dead_lettered(row: Sequence[Any]) -> DeadLetteredMessage:
    delivery_count, reason, description, dead_lettered_at = row[7], *row[9:12]
    return DeadLetteredMessage(
        **_message_fields(row),
        delivery_count=delivery_count,
        dead_letter_reason=reason,
        dead_letter_error_description=description,
        dead_lettered_at_utc=_datetime(dead_lettered_at),
    )


def _message_fields(row: Sequence[Any]) -> dict[str, Any]:
    """The fields a row selected with _MESSAGE_COLUMNS has for any message class."""
    number, message_id, body, correlation_id, content_type, subject, properties = row[:7]
    return {
        "sequence_number": number,
        "message_id": message_id,
        "body": bytes(body),
        "correlation_id": correlation_id,
        "content_type": content_type,
        "subject": subject,
        "application_properties": json.loads(properties),
        "enqueued_time_utc": _datetime(row[8]),
    }


def _new_lock_token() -> str:
    return unique_uuid()


def _now() -> int:
    return _microseconds(datetime.now(UTC) - _EPOCH)


def _microseconds(duration: timedelta) -> int:
    return duration // timedelta(microseconds=1)


def _datetime(microseconds: int) -> datetime:
    return _EPOCH + timedelta(microseconds=microseconds)
