"""Counting what happened, from the SQLite files and the process logs - not from the app's code.

The files are opened read-only with plain sqlite3, so a bug in the app's adapters cannot hide
a lost or duplicated order from the count.
"""

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.chaos.client import ClientLedger

QUEUE = "submit-order"
_PLACED = re.compile(r"Order submitted (\S+)")
# A log record starts with the host's timestamp; traceback lines follow it without one.
_RECORD_START = re.compile(r"^\[\d{4}-\d\d-\d\dT", re.MULTILINE)
_HANDLER_FAILED = re.compile(r"SubmitOrder \S+ failed \(delivery")
_INJECTED_HANDLER_FAILURE = "InjectedFault: Injected handler failure"


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


@dataclass(frozen=True)
class Backlog:
    """Work still in flight: messages not settled, and outbox entries not sent."""

    queued: int
    pending_outbox: int

    @property
    def empty(self) -> bool:
        return self.queued == 0 and self.pending_outbox == 0


def backlog(data_dir: Path) -> Backlog:
    with read_only(data_dir / "queue.sqlite3") as queue:
        (queued,) = queue.execute(
            "SELECT count(*) FROM queue_messages WHERE queue_name = ? AND state = 'active'",
            (QUEUE,),
        ).fetchone()
    with read_only(data_dir / "documents.sqlite3") as documents:
        (pending,) = documents.execute(
            "SELECT count(*) FROM documents WHERE container = 'carts'"
            " AND json_extract(body, '$.outbox.status') = 'pending'"
        ).fetchone()
    return Backlog(queued=queued, pending_outbox=pending)


@dataclass(frozen=True)
class LogCounts:
    placements: Counter[str]  # "Order submitted <id>" lines per order id, all incarnations
    send_failures: int
    handler_failures: int
    delays: int
    crashes: int
    duplicates_ignored: int
    locks_lost: int


def read_logs(logs: Path) -> LogCounts:
    placements: Counter[str] = Counter()
    text_by_role: dict[str, str] = {"web": "", "worker": ""}
    for path in sorted(logs.glob("*.log")):
        text = path.read_text(encoding="utf-8", errors="replace")
        role = path.name.split("-")[0]
        text_by_role[role] = text_by_role.get(role, "") + text
        if role == "worker":
            placements.update(_PLACED.findall(text))
    both = text_by_role["web"] + text_by_role["worker"]
    worker = text_by_role["worker"]
    return LogCounts(
        placements=placements,
        send_failures=both.count("failed; it stays pending in the outbox"),
        handler_failures=injected_handler_failures(worker),
        delays=worker.count("Injected handler delay"),
        crashes=both.count("Injected crash at"),
        duplicates_ignored=worker.count("duplicate SubmitOrder ignored"),
        locks_lost=worker.count("its lock was lost"),
    )


def injected_handler_failures(worker_log: str) -> int:
    """Handler runs that failed because a fault was injected.

    Not every failed run: a run that fails for any other reason is no injected fault.
    """
    return sum(
        1
        for record in log_records(worker_log)
        if _HANDLER_FAILED.search(record.partition("\n")[0]) and _INJECTED_HANDLER_FAILURE in record
    )


def log_records(text: str) -> list[str]:
    """The log split into records: a timestamped line with the traceback lines under it."""
    starts = [match.start() for match in _RECORD_START.finditer(text)]
    return [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)], strict=True)]


@dataclass(frozen=True)
class Verdict:
    attempted: int
    accepted: int
    placed: int
    lost: int
    duplicated: int
    unexpected: int
    server_errors: int  # 5xx answers the shoppers got; no injected fault causes one
    poison_injected: int
    poison_stored: int
    dead_lettered: int
    stray_dead_letters: list[str]  # poison store or DLQ entries that were not injected
    missing_poison: list[str]  # injected, but in neither the poison store nor the DLQ
    reasons: dict[str, int]

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.unexpected == 0
            and self.server_errors == 0
            and not self.stray_dead_letters
            and not self.missing_poison
            and self.accepted == self.attempted
        )


def judge(data_dir: Path, ledger: ClientLedger, logs: LogCounts, injected: set[str]) -> Verdict:
    with read_only(data_dir / "documents.sqlite3") as documents:
        orders = documents.execute(
            "SELECT id, partition_key FROM documents WHERE container = 'orders'"
        ).fetchall()
        poison = documents.execute(
            "SELECT id, body FROM documents WHERE container = 'poison-messages'"
        ).fetchall()
    with read_only(data_dir / "queue.sqlite3") as queue:
        dead = queue.execute(
            "SELECT message_id, dead_letter_reason FROM queue_messages"
            " WHERE queue_name = ? AND state = 'dead_lettered'",
            (QUEUE,),
        ).fetchall()

    order_rows = Counter(order_id for order_id, _ in orders)
    placed = set(order_rows)
    # Twice in the store (one id in two partitions), or placed twice according to the logs.
    duplicated = {i for i, n in order_rows.items() if n > 1} | {
        i for i, n in logs.placements.items() if n > 1
    }
    reasons = Counter(json.loads(body)["reason"] for _, body in poison)
    reasons.update(f"DLQ:{reason}" for _, reason in dead)
    held = {message_id for message_id, _ in poison} | {message_id for message_id, _ in dead}
    return Verdict(
        attempted=len(ledger.submit_attempted),
        accepted=len(ledger.accepted),
        placed=len(placed),
        lost=len(ledger.accepted - placed),
        duplicated=len(duplicated),
        unexpected=len(placed - ledger.submit_attempted),
        server_errors=len(ledger.server_errors),
        poison_injected=len(injected),
        poison_stored=len(poison),
        dead_lettered=len(dead),
        stray_dead_letters=sorted(held - injected),
        missing_poison=sorted(injected - held),
        reasons=dict(reasons),
    )
