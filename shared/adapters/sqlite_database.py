"""One SQLite database file that several processes share, written with group commit.

Both embedded adapters (documents and queue) use this. The web and worker processes open the
same files, so every connection runs in WAL mode (readers never block the writer) with a busy
timeout (a writer waits for another process's write instead of failing at once).

A write is a plain function of a ``sqlite3.Connection``, run whole on the file's one writer
thread in this process: one thread hand-off per write, not one per statement. The writer takes
every write waiting at that moment, runs each inside its own SAVEPOINT of one
``BEGIN IMMEDIATE`` transaction and commits them together, so concurrent writes share one
fsync (group commit). A write whose function raises is rolled back to its savepoint alone and
its caller gets the exception; the others commit. No caller hears of success before the
COMMIT has returned, and with ``synchronous=FULL`` that COMMIT has reached the disk: an answer
given after a write (a 202 for a submit) still means the write survives a crash and a power
loss.

Reads run on a second connection and thread, so they never wait behind a commit's fsync; in WAL
mode each read sees every write that has been answered.

Every ``SqliteDatabase`` of one file in a process shares that writer and reader: the app's
queue sender and the local host's queue consumer are two handles on one queue file, so their
writes commit together instead of taking turns at SQLite's file lock (a second connection that
finds the file locked sleeps in SQLite's busy handler, a millisecond and more each time).
"""

import asyncio
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
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
# writer thread, never the event loop) catches the gap between the other's batches.
LOCK_RETRY_SECONDS = 0.0002
# Writes committed together at most; a bound keeps one batch's latency bounded.
MAX_BATCH = 256

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]


@dataclass(frozen=True)
class _Write:
    work: Work[Any]
    loop: asyncio.AbstractEventLoop
    future: "asyncio.Future[Any]"


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
        """``work(connection)`` on the reader connection, outside any write transaction."""
        return await self._attach().read(work)

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
    """The writer and reader connections of one file in this process, opened on first use."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self.schema = schema
        self.handles = 0
        self._writes: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._reader: ThreadPoolExecutor | None = None
        self._reader_connection: sqlite3.Connection | None = None
        self._closed = False
        self._opening = asyncio.Lock()

    async def write(self, work: Work[T]) -> T:
        await self._open()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._writes.put(_Write(work, loop, future))
        # A cancelled caller does not stop the write: it commits or not as a whole, like a
        # request whose answer was lost.
        return await future

    async def read(self, work: Work[T]) -> T:
        await self._open()
        assert self._reader is not None
        return await asyncio.get_running_loop().run_in_executor(self._reader, self._read, work)

    async def close(self) -> None:
        async with self._opening:
            self._closed = True
            writer, self._writer = self._writer, None
            reader, self._reader = self._reader, None
            if writer is not None:
                self._writes.put(None)
                await asyncio.to_thread(writer.join)
            if reader is not None:
                await asyncio.get_running_loop().run_in_executor(reader, self._close_reader)
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
            # The writer creates the file and its schema before any read can look at it.
            connection = await asyncio.to_thread(self._connect_writer)
            writer = threading.Thread(
                target=self._write_batches,
                args=(connection,),
                name=f"sqlite-writer-{self.path.name}",
                daemon=True,
            )
            writer.start()
            self._reader = ThreadPoolExecutor(
                1, thread_name_prefix=f"sqlite-reader-{self.path.name}"
            )
            self._writer = writer

    def _connect_writer(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = _connect(self.path)
        try:
            connection.executescript(f"BEGIN IMMEDIATE;\n{self.schema}\nCOMMIT;")
        except BaseException:
            connection.close()
            raise
        return connection

    def _write_batches(self, connection: sqlite3.Connection) -> None:
        try:
            while True:
                first = self._writes.get()
                if first is None:
                    return
                batch = [first]
                stop = False
                while len(batch) < MAX_BATCH:
                    try:
                        following = self._writes.get_nowait()
                    except queue.Empty:
                        break
                    if following is None:
                        stop = True
                        break
                    batch.append(following)
                try:
                    _commit_together(connection, batch)
                except BaseException as error:  # never leave a caller waiting forever
                    for write in batch:
                        _answer(write, None, error)
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                if stop:
                    return
        finally:
            connection.close()


# The open files of this process, by absolute path.
_open_files: dict[Path, _DatabaseFile] = {}


def _commit_together(connection: sqlite3.Connection, batch: list[_Write]) -> None:
    """Run each write in its own savepoint of one transaction, commit, then answer them all."""
    outcomes: list[tuple[_Write, Any, BaseException | None]] = []
    try:
        begin_immediate(connection, BUSY_TIMEOUT_MILLISECONDS / 1000)
    except BaseException as error:  # the file stayed locked by another process, or worse
        for write in batch:
            _answer(write, None, error)
        return
    for write in batch:
        connection.execute("SAVEPOINT write")
        try:
            result = write.work(connection)
        except BaseException as error:
            if not connection.in_transaction:
                # SQLite rolled the whole transaction back (an I/O error, say): nothing of
                # this batch was kept.
                for done, _, _ in outcomes:
                    _answer(done, None, error)
                _answer(write, None, error)
                for rest in batch[len(outcomes) + 1 :]:
                    _answer(rest, None, error)
                return
            connection.execute("ROLLBACK TO write")
            connection.execute("RELEASE write")
            outcomes.append((write, None, error))
        else:
            connection.execute("RELEASE write")
            outcomes.append((write, result, None))
    try:
        connection.execute("COMMIT")
    except BaseException as commit_error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        for write, _, own_error in outcomes:
            _answer(write, None, own_error or commit_error)
        return
    for write, result, own_error in outcomes:
        _answer(write, result, own_error)


def begin_immediate(connection: sqlite3.Connection, timeout: float) -> None:
    """Take the file's write lock (BEGIN IMMEDIATE), trying every LOCK_RETRY_SECONDS while
    another connection holds it, for at most ``timeout`` seconds; then "database is locked"."""
    deadline = time.monotonic() + timeout
    # Only this statement waits here: the rest of the transaction keeps SQLite's busy timeout.
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() >= deadline:
                    raise
            time.sleep(LOCK_RETRY_SECONDS)
    finally:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MILLISECONDS}")


def _answer(write: _Write, result: Any, error: BaseException | None) -> None:
    # The caller's loop may have closed meanwhile (a test ending): nobody waits any more.
    with suppress(RuntimeError):
        write.loop.call_soon_threadsafe(_settle, write.future, result, error)


def _settle(future: "asyncio.Future[Any]", result: Any, error: BaseException | None) -> None:
    if future.done():  # cancelled, or answered already
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


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
