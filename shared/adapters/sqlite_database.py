"""One lazily opened aiosqlite connection to a database file that several processes share.

Both embedded adapters (documents and queue) use this: the web process and the worker process
open the same files, so every connection runs in WAL mode (readers never block the writer) with
a busy timeout (a writer waits for another process's write instead of failing at once), and
every read-check-write runs inside ``BEGIN IMMEDIATE`` so it holds the write lock from its
first read.
"""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import aiosqlite

BUSY_TIMEOUT_MILLISECONDS = 5000


class SqliteDatabase:
    """A database file with one connection, opened on first use and reused until close()."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self._schema = schema
        self._connection: aiosqlite.Connection | None = None
        self._closed = False
        # One sqlite3 connection has one transaction state, so coroutines take turns using it.
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, for single statements that need no explicit transaction."""
        async with self._lock:
            yield await self._open()

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection inside ``BEGIN IMMEDIATE``: committed on success, else rolled back."""
        async with self._lock:
            connection = await self._open()
            try:
                await connection.execute("BEGIN IMMEDIATE")
                yield connection
                await connection.execute("COMMIT")
            except BaseException:
                # Also on cancellation: a transaction left open would break every later call.
                await _roll_back(connection)
                raise

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            connection, self._connection = self._connection, None
            if connection is not None:
                await connection.close()

    async def _open(self) -> aiosqlite.Connection:
        if self._closed:
            raise RuntimeError(f"The SQLite database {self.path} was closed.")
        if self._connection is None:
            self._connection = await self._connect()
        return self._connection

    async def _connect(self) -> aiosqlite.Connection:
        await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; this class issues BEGIN and COMMIT.
        connection = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            # The busy timeout first: switching to WAL may itself wait for another process.
            await connection.execute_fetchall(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MILLISECONDS}")
            # Fetched to the end: an unfinished PRAGMA statement would block COMMIT below.
            await connection.execute_fetchall("PRAGMA journal_mode = WAL")
            await connection.executescript(f"BEGIN IMMEDIATE;\n{self._schema}\nCOMMIT;")
        except BaseException:
            await connection.close()
            raise
        return connection


async def _roll_back(connection: aiosqlite.Connection) -> None:
    # Statements run in order on the connection's thread, so this ROLLBACK runs after a BEGIN
    # still queued by a cancelled caller. It fails only when no transaction is open (BEGIN itself
    # failed): then there is nothing to undo.
    with suppress(sqlite3.OperationalError):
        await connection.execute("ROLLBACK")
