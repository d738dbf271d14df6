"""Group commit on a shared SQLite file: writes that arrive together commit together, each
keeps its own outcome, and nobody hears of a write before it is committed.
"""

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.sqlite_database import (
    SYNCHRONOUS,
    SqliteDatabase,
    begin_immediate,
)

SCHEMA = "CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, value INTEGER NOT NULL);"


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    opened = SqliteDatabase(tmp_path / "db.sqlite3", SCHEMA)
    yield opened
    await opened.close()


def insert(key: str, value: int = 1) -> Callable[[sqlite3.Connection], None]:
    def work(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO t (id, value) VALUES (?, ?)", (key, value))

    return work


def committed(path: Path) -> dict[str, int]:
    """What another connection sees: only committed rows."""
    connection = sqlite3.connect(path)
    try:
        return dict(connection.execute("SELECT id, value FROM t").fetchall())
    finally:
        connection.close()


async def test_a_failing_write_is_rolled_back_alone_and_the_others_commit(
    database: SqliteDatabase,
) -> None:
    await database.write(insert("existing"))

    def insert_then_fail(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO t (id, value) VALUES ('half', 1)")
        raise ValueError("refused")

    outcomes = await asyncio.gather(
        database.write(insert("a")),
        database.write(insert_then_fail),
        database.write(insert("existing")),  # a constraint violation
        database.write(insert("b")),
        return_exceptions=True,
    )

    assert outcomes[0] is None
    assert outcomes[3] is None
    assert isinstance(outcomes[1], ValueError)
    assert isinstance(outcomes[2], sqlite3.IntegrityError)
    assert committed(database.path) == {"existing": 1, "a": 1, "b": 1}


async def test_concurrent_writes_share_commits(database: SqliteDatabase) -> None:
    await database.write(insert("first"))
    frames_before = wal_frames(database.path)

    await asyncio.gather(*(database.write(insert(f"k{n}")) for n in range(50)))

    assert len(committed(database.path)) == 51
    # Each commit appends at least one page (frame) to the WAL; one per write would be 50.
    frames = wal_frames(database.path) - frames_before
    assert 0 < frames < 25, f"{frames} WAL frames for 50 writes: they were not grouped"


def wal_frames(path: Path) -> int:
    """Frames in the write-ahead log: a 32-byte header, then frames of a page and 24 bytes."""
    connection = sqlite3.connect(path)
    try:
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
    finally:
        connection.close()
    size = path.with_name(path.name + "-wal").stat().st_size
    return max(0, size - 32) // (page_size + 24)


async def test_a_write_is_committed_when_its_caller_hears_of_it(
    database: SqliteDatabase,
) -> None:
    for n in range(20):
        await database.write(insert(f"k{n}", n))
        assert committed(database.path)[f"k{n}"] == n


async def test_reads_see_every_answered_write(database: SqliteDatabase) -> None:
    await database.write(insert("a", 7))

    value = await database.read(
        lambda connection: connection.execute("SELECT value FROM t WHERE id = 'a'").fetchone()
    )

    assert value == (7,)


async def test_connections_run_with_the_stated_durability(database: SqliteDatabase) -> None:
    await database.write(insert("a"))

    level = await database.read(
        lambda connection: connection.execute("PRAGMA synchronous").fetchone()[0]
    )

    assert {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[level] == SYNCHRONOUS == "FULL"


async def test_handles_of_one_file_share_its_writer(database: SqliteDatabase) -> None:
    # The app's queue sender and the local host's consumer are two handles on one file: one
    # writer commits both, instead of two connections taking turns at SQLite's file lock.
    other = SqliteDatabase(database.path, SCHEMA)

    await asyncio.gather(
        *(
            handle.write(insert(f"{name}{n}"))
            for n in range(25)
            for name, handle in (("a", database), ("b", other))
        )
    )

    committers = [
        t for t in threading.enumerate() if t.name.startswith(f"sqlite-commit-{database.path.name}")
    ]
    assert len(committers) == 1
    await other.close()
    await database.write(insert("after"))  # closing one handle leaves the file to the others
    assert len(committed(database.path)) == 51


async def test_a_closed_handle_refuses_work(database: SqliteDatabase) -> None:
    await database.close()

    with pytest.raises(RuntimeError, match="was closed"):
        await database.write(insert("late"))


def another_process_writing(path: Path) -> sqlite3.Connection:
    """A connection holding the file's write lock, as another process's write would."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_a_writer_waits_for_another_connection_s_write_and_then_gives_up(
    database: SqliteDatabase,
) -> None:
    await database.write(insert("a"))
    other = another_process_writing(database.path)
    writer = sqlite3.connect(
        database.path, isolation_level=None, check_same_thread=False, timeout=0
    )
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            begin_immediate(writer, timeout=0.05)
        asyncio.get_running_loop().call_later(0.1, other.execute, "COMMIT")
        # Taken once the other commits, well before the timeout.
        await asyncio.to_thread(begin_immediate, writer, 5.0)
        writer.execute("ROLLBACK")
    finally:
        other.close()
        writer.close()


async def test_writes_run_on_the_event_loop_and_only_the_commit_off_it(
    database: SqliteDatabase,
) -> None:
    # A thread that runs the statements must take the interpreter lock back from the loop
    # for each of them; the statements take microseconds, so they run on the loop.
    threads: list[int] = []

    def work(connection: sqlite3.Connection) -> None:
        threads.append(threading.get_ident())
        connection.execute("INSERT INTO t (id, value) VALUES ('a', 1)")

    await database.write(work)

    assert threads == [threading.get_ident()]
    assert committed(database.path) == {"a": 1}


async def test_a_write_waits_off_the_loop_while_another_process_holds_the_file(
    database: SqliteDatabase,
) -> None:
    await database.write(insert("a"))
    other = another_process_writing(database.path)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    asyncio.get_running_loop().call_later(0.2, other.execute, "COMMIT")
    try:
        await database.write(insert("b"))
    finally:
        ticker.cancel()
        other.close()

    assert ticks > 0, "the event loop stood still while the write waited for the lock"
    assert committed(database.path) == {"a": 1, "b": 1}


def test_a_file_written_from_one_event_loop_is_written_from_the_next(tmp_path: Path) -> None:
    # Each test, and each asyncio.run, has its own loop; the file follows.
    handle = SqliteDatabase(tmp_path / "db.sqlite3", SCHEMA)

    asyncio.run(handle.write(insert("a")))
    asyncio.run(handle.write(insert("b")))
    asyncio.run(handle.close())

    assert committed(tmp_path / "db.sqlite3") == {"a": 1, "b": 1}


async def test_a_lookup_runs_on_the_event_loop_and_sees_answered_writes(
    database: SqliteDatabase,
) -> None:
    await database.write(insert("a", 7))
    threads: list[int] = []

    def point_read(connection: sqlite3.Connection) -> tuple[int] | None:
        threads.append(threading.get_ident())
        row: tuple[int] | None = connection.execute("SELECT value FROM t WHERE id = 'a'").fetchone()
        return row

    assert await database.lookup(point_read) == (7,)
    assert threads == [threading.get_ident()]


async def test_a_lookup_that_would_wait_is_run_on_the_reader_thread(
    database: SqliteDatabase,
) -> None:
    # The lookup connection never sleeps in SQLite's busy handler; a read that has to wait
    # (another process recovering the WAL) goes to the reader thread, which may.
    await database.write(insert("a", 7))
    loop_thread = threading.get_ident()

    def busy_on_the_loop(connection: sqlite3.Connection) -> tuple[int] | None:
        if threading.get_ident() == loop_thread:
            busy = sqlite3.OperationalError("database is locked")
            busy.sqlite_errorcode = sqlite3.SQLITE_BUSY
            raise busy
        row: tuple[int] | None = connection.execute("SELECT value FROM t WHERE id = 'a'").fetchone()
        return row

    assert await database.lookup(busy_on_the_loop) == (7,)


async def test_calls_arriving_while_the_file_opens_wait_for_all_of_it(tmp_path: Path) -> None:
    # Opening takes several steps off the loop; a call that arrives between them must not find
    # the file half open.
    handle = SqliteDatabase(tmp_path / "db.sqlite3", SCHEMA)

    def count(connection: sqlite3.Connection) -> int:
        (rows,) = connection.execute("SELECT count(*) FROM t").fetchone()
        return int(rows)

    calls: list[asyncio.Future[Any]] = []
    try:
        for n in range(100):  # one call every half millisecond while the file opens
            calls.append(asyncio.ensure_future(handle.lookup(count)))
            calls.append(asyncio.ensure_future(handle.write(insert(f"k{n}"))))
            await asyncio.sleep(0.0005)
        await asyncio.gather(*calls)
    finally:
        await handle.close()

    assert len(committed(tmp_path / "db.sqlite3")) == 100


async def test_a_write_that_breaks_its_transaction_fails_its_batch_and_the_next_commits(
    database: SqliteDatabase,
) -> None:
    # A write that ends the transaction itself leaves no savepoint to release: its batch fails
    # (nobody is left waiting), and the file goes on taking writes.
    def commit_early(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO t (id, value) VALUES ('early', 1)")
        connection.execute("COMMIT")

    with pytest.raises(sqlite3.OperationalError):
        await database.write(commit_early)
    await database.write(insert("after"))

    assert "after" in committed(database.path)
