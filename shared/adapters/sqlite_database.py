"""One SQLite database file that several processes share, written with group commit.

Both embedded adapters (documents and queue) use this. The web and worker processes open the
same files, so every connection runs in WAL mode (readers never block the writer) with a busy
timeout (a reader waits for another process's write instead of failing at once).

A write is a plain function of a ``sqlite3.Connection``. Every write that arrives in one turn
of the event loop, or while the previous batch commits, joins one batch: each runs inside its
own SAVEPOINT of one ``BEGIN IMMEDIATE`` transaction, and one COMMIT makes them durable
together, with one fsync (group commit). A write whose function raises is rolled back to its
savepoint alone and its caller gets the exception; the others commit. No caller hears of
success before the COMMIT has returned, and with ``synchronous=FULL`` that COMMIT has reached
the disk: an answer given after a write (a 202 for a submit) still means the write survives a
crash and a power loss.

The batch's statements run on the event loop: each takes microseconds on pages SQLite holds in
memory, and on a thread they cost more than that, since the thread had to take the interpreter
lock back from the event loop for every statement. Only what waits runs on the file's commit
thread: the COMMIT with its fsync, and taking the write lock while another process holds it.

Reads never wait behind a commit's fsync (WAL mode), and each sees every write that has been
answered. A lookup (a read of a few rows through an index: a point read by id) runs on the
event loop too, for the same reason as the statements; any other read (a query, a count) on
a reader connection and thread, since it may scan.

Every ``SqliteDatabase`` of one file in a process shares that writer and reader: the app's
queue sender and the local host's queue consumer are two handles on one queue file, so their
writes commit together instead of taking turns at SQLite's file lock (a second connection that
finds the file locked sleeps in SQLite's busy handler, a millisecond and more each time).
"""

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

# FULL: a commit is on the disk before it returns, so it survives a power loss; NORMAL in WAL
# mode would survive a process crash only. Group commit makes FULL affordable.
SYNCHRONOUS = "FULL"
BUSY_TIMEOUT_MILLISECONDS = 5000
# How often a writer tries again to take a file that another process is writing. SQLite's own
# busy handler sleeps 1, 2, 5, 10, 15 ms and more between tries, so a writer that found the
# file locked by the other process's commit (a millisecond or two) slept through the moment it
# was free, and the other process's next batch took it again: with web and worker processes
# under load each such wait lasted 10 to 20 ms. Trying every fraction of a millisecond (on the
# commit thread, never the event loop) catches the gap between the other's batches.
LOCK_RETRY_SECONDS = 0.0002
# Writes committed together at most; a bound keeps one batch's latency bounded.
MAX_BATCH = 256

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]


@dataclass(frozen=True)
class _Write:
    work: Work[Any]
    future: "asyncio.Future[Any]"


# A write's outcome in a batch: its result, or the error it raised.
_Outcome = tuple[_Write, Any, BaseException | None]


class SqliteDatabase:
    """A handle on a database file; the file's writer and reader open on first use."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self._schema = schema
        self._file: _DatabaseFile | None = None
        self._closed = False

    def _attach(self) -> "_DatabaseFile":
        if self._closed:
            raise RuntimeError(f"The SQLite database {self.path} was closed.")
        if self._file is None:
            key = self.path.absolute()
            file = _open_files.get(key)
            if file is None:
                file = _open_files[key] = _DatabaseFile(self.path, self._schema)
            elif file.schema != self._schema:
                raise ValueError(f"{self.path} is open in this process with another schema.")
            file.handles += 1
            self._file = file
        return self._file

    async def write(self, work: Work[T]) -> T:
        """``work(connection)`` inside a write transaction; returns once it is committed."""
        return await self._attach().write(work)

    async def read(self, work: Work[T]) -> T:
        """``work(connection)`` on the reader thread, outside any write transaction."""
        return await self._attach().read(work)

    async def lookup(self, work: Work[T]) -> T:
        """``work(connection)`` on the event loop, outside any write transaction: only for a
        read of a few rows through an index, which takes microseconds (a point read by id)."""
        return await self._attach().lookup(work)

    async def close(self) -> None:
        """Let go of the file; the last handle of it in this process closes its connections."""
        if self._closed:
            return
        self._closed = True
        file, self._file = self._file, None
        if file is None:
            return
        file.handles -= 1
        if file.handles == 0:
            if _open_files.get(file.path.absolute()) is file:
                del _open_files[file.path.absolute()]
            await file.close()


class _DatabaseFile:
    """The writer and reader connections of one file in this process, opened on first use.

    Batches run on the event loop of the writes; a loop that has closed hands the file over to
    the next one (a test run opens a loop per test).
    """

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self.schema = schema
        self.handles = 0
        self._writer: sqlite3.Connection | None = None
        self._committer: ThreadPoolExecutor | None = None
        self._reader: ThreadPoolExecutor | None = None
        self._reader_connection: sqlite3.Connection | None = None
        self._lookup_connection: sqlite3.Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: list[_Write] = []  # for the next batch
        self._batching = False  # a batch is being written or committed
        self._drained: list[asyncio.Future[None]] = []  # close() waiting for the last batch
        self._closed = False
        self._opening = asyncio.Lock()

    async def write(self, work: Work[T]) -> T:
        await self._open()
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            await self._take_over(loop)
        future: asyncio.Future[T] = loop.create_future()
        self._waiting.append(_Write(work, future))
        if not self._batching:
            self._batching = True
            # At the end of this turn of the loop: the other writes of this turn join the batch.
            loop.call_soon(self._begin_batch)
        # A cancelled caller does not stop the write: it commits or not as a whole, like a
        # request whose answer was lost.
        return await future

    async def read(self, work: Work[T]) -> T:
        await self._open()
        assert self._reader is not None
        return await asyncio.get_running_loop().run_in_executor(self._reader, self._read, work)

    async def lookup(self, work: Work[T]) -> T:
        await self._open()
        assert self._lookup_connection is not None
        try:
            return work(self._lookup_connection)
        except sqlite3.OperationalError as error:
            if not _is_busy(error):
                raise
        # A read that must wait (another process recovering the WAL, say) waits on the reader
        # thread: the lookup connection's busy timeout is 0, so it never sleeps on the loop.
        return await self.read(work)

    async def close(self) -> None:
        async with self._opening:
            self._closed = True
            loop = asyncio.get_running_loop()
            if self._batching and self._loop is loop:
                drained = loop.create_future()
                self._drained.append(drained)
                await drained
            writer, self._writer = self._writer, None
            committer, self._committer = self._committer, None
            reader, self._reader = self._reader, None
            lookups, self._lookup_connection = self._lookup_connection, None
            if writer is not None and committer is not None:
                await loop.run_in_executor(committer, writer.close)
                committer.shutdown(wait=False)
            if reader is not None:
                await loop.run_in_executor(reader, self._close_reader)
                if lookups is not None:
                    await loop.run_in_executor(reader, lookups.close)
                reader.shutdown(wait=False)

    def _read(self, work: Work[T]) -> T:
        if self._reader_connection is None:
            self._reader_connection = _connect(self.path)
        return work(self._reader_connection)

    def _close_reader(self) -> None:
        if self._reader_connection is not None:
            self._reader_connection.close()
            self._reader_connection = None

    async def _open(self) -> None:
        if self._writer is not None and not self._closed:
            return
        async with self._opening:
            if self._closed:
                raise RuntimeError(f"The SQLite database {self.path} was closed.")
            if self._writer is not None:
                return
            loop = asyncio.get_running_loop()
            # The writer creates the file and its schema before any read can look at it.
            committer = ThreadPoolExecutor(1, thread_name_prefix=f"sqlite-commit-{self.path.name}")
            writer = await loop.run_in_executor(committer, self._connect_writer)
            reader = ThreadPoolExecutor(1, thread_name_prefix=f"sqlite-reader-{self.path.name}")
            lookups = await loop.run_in_executor(reader, _connect_without_waiting, self.path)
            self._committer, self._reader, self._lookup_connection = committer, reader, lookups
            # Last: a call that finds the writer set (above, without the lock) uses all of them.
            self._writer = writer

    def _connect_writer(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = _connect(self.path)
        try:
            connection.executescript(f"BEGIN IMMEDIATE;\n{self.schema}\nCOMMIT;")
            # From here on the writer never sleeps in SQLite's busy handler, which would block
            # the event loop: a file locked by another process is waited for by begin_immediate,
            # on the commit thread. Once a transaction holds the write lock, nothing in it waits
            # for another connection (WAL mode).
            connection.execute(_NO_WAITING)
        except BaseException:
            connection.close()
            raise
        return connection

    async def _take_over(self, loop: asyncio.AbstractEventLoop) -> None:
        previous = self._loop
        if previous is not None and self._batching and not previous.is_closed():
            raise RuntimeError(f"{self.path} is being written from another event loop.")
        self._loop = loop
        if previous is None or not self._batching:
            return
        # The previous loop closed in the middle of a batch, and its callers with it. A write
        # lock it had taken is let go once the commit thread is done with the connection.
        self._waiting.clear()
        if self._writer is not None:
            await loop.run_in_executor(self._committer, _roll_back_if_open, self._writer)
        self._batching = False

    def _begin_batch(self) -> None:
        writer = self._writer
        assert writer is not None
        assert self._loop is not None
        try:
            writer.execute("BEGIN IMMEDIATE")
        except Exception as error:
            if not _is_busy(error):
                self._fail_batch(error)
                return
            # Another process is writing the file: wait for it on the commit thread.
            waited = self._loop.run_in_executor(
                self._committer, begin_immediate, writer, BUSY_TIMEOUT_MILLISECONDS / 1000
            )
            waited.add_done_callback(self._locked)
            return
        self._write_batch()

    def _locked(self, waited: "asyncio.Future[None]") -> None:
        error = waited.exception()
        if error is not None:
            self._fail_batch(error)
        else:
            self._write_batch()

    def _write_batch(self) -> None:
        """Run the waiting writes in the open transaction, then commit them on the thread."""
        writer = self._writer
        assert writer is not None
        assert self._loop is not None
        batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
        try:
            outcomes = _run_in_savepoints(writer, batch)
        except Exception as error:  # a savepoint itself failed: never leave a caller waiting
            _roll_back_if_open(writer)
            for write in batch:
                _settle(write.future, None, error)
            self._next_batch()
            return
        if outcomes is None:  # SQLite rolled the whole transaction back; all were answered
            self._next_batch()
            return
        committed = self._loop.run_in_executor(self._committer, _commit, writer)
        committed.add_done_callback(partial(self._answer, outcomes))

    def _answer(self, outcomes: list[_Outcome], committed: "asyncio.Future[None]") -> None:
        commit_error = committed.exception()
        for write, result, own_error in outcomes:
            _settle(write.future, result, own_error or commit_error)
        self._next_batch()

    def _fail_batch(self, error: BaseException) -> None:
        """The write lock could not be taken: the writes of this batch fail with the reason."""
        failed, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
        for write in failed:
            _settle(write.future, None, error)
        self._next_batch()

    def _next_batch(self) -> None:
        if self._waiting:
            self._begin_batch()
            return
        self._batching = False
        for drained in self._drained:
            _settle(drained, None, None)
        self._drained.clear()


# The open files of this process, by absolute path.
_open_files: dict[Path, _DatabaseFile] = {}


def _run_in_savepoints(
    connection: sqlite3.Connection, batch: list[_Write]
) -> list[_Outcome] | None:
    """Run each write in its own savepoint of the open transaction; their outcomes, or None
    (every write answered with the error) if SQLite rolled the whole transaction back."""
    outcomes: list[_Outcome] = []
    for write in batch:
        connection.execute("SAVEPOINT write")
        try:
            result = write.work(connection)
        except BaseException as error:
            if not connection.in_transaction:
                # SQLite rolled the whole transaction back (an I/O error, say): nothing of
                # this batch was kept.
                for done in batch:
                    _settle(done.future, None, error)
                return None
            connection.execute("ROLLBACK TO write")
            connection.execute("RELEASE write")
            outcomes.append((write, None, error))
        else:
            connection.execute("RELEASE write")
            outcomes.append((write, result, None))
    return outcomes


def _commit(connection: sqlite3.Connection) -> None:
    """COMMIT, on the commit thread: it waits for the fsync. A failed one is rolled back."""
    try:
        connection.execute("COMMIT")
    except BaseException:
        _roll_back_if_open(connection)
        raise


def _roll_back_if_open(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:
        connection.execute("ROLLBACK")


def begin_immediate(connection: sqlite3.Connection, timeout: float) -> None:
    """Take the file's write lock (BEGIN IMMEDIATE) on a connection whose busy timeout is 0,
    trying every LOCK_RETRY_SECONDS while another connection holds it, for at most ``timeout``
    seconds; then "database is locked". Blocks: for the commit thread, not the event loop."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() >= deadline:
                raise
        time.sleep(LOCK_RETRY_SECONDS)


def _is_busy(error: BaseException) -> bool:
    """SQLITE_BUSY, or one of its extended codes: another connection holds what is needed."""
    return isinstance(error, sqlite3.OperationalError) and (
        error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
    )


def _settle(future: "asyncio.Future[Any]", result: Any, error: BaseException | None) -> None:
    if future.done():  # cancelled, or answered already
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


# A connection used on the event loop must never sleep in SQLite's busy handler.
_NO_WAITING = "PRAGMA busy_timeout = 0"


def _connect_without_waiting(path: Path) -> sqlite3.Connection:
    connection = _connect(path)
    connection.execute(_NO_WAITING)
    return connection


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; the writer issues BEGIN and COMMIT.
    # timeout= is SQLite's busy timeout, set before anything runs: switching to WAL may itself
    # wait for another process.
    connection = sqlite3.connect(
        path,
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MILLISECONDS / 1000,
    )
    try:
        connection.execute("PRAGMA journal_mode = WAL").fetchall()
        connection.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
    except BaseException:
        connection.close()
        raise
    return connection
