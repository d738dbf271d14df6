"""The machine's raw limits, measured in the same run as the app.

- a minimal aiohttp app (tests/bench/raw_app.py) under the same load generators;
- the SQLite write transactions one order needs at submit and in the worker, with plain
  sqlite3 in a tight loop on two files (documents and queue) at a given ``synchronous`` setting.
"""

import asyncio
import os
import re
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

_LISTENING = re.compile(rb"Listening on (http://127\.0\.0\.1:\d+)")
_REPO = Path(__file__).resolve().parents[2]
_BODY = "x" * 900  # about the size of a submitted cart document


@asynccontextmanager
async def raw_app() -> AsyncIterator[str]:
    """The minimal aiohttp app in its own process; yields its base URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bench.raw_app",
        cwd=_REPO,
        stdout=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        match = _LISTENING.search(line)
        if match is None:
            raise RuntimeError(f"the raw aiohttp app did not start: {line!r}")
        yield match[1].decode()
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


def sqlite_orders_per_second(directory: Path, synchronous: str, seconds: float) -> float:
    """Orders per second when each order is only its six write transactions, fsync'd per
    ``synchronous`` (FULL or NORMAL): at submit the cart with its outbox entry, the message,
    the outbox entry marked sent; in the worker the receive lock, the order, the completion.
    """
    documents = _connect(directory / f"documents-{synchronous}.sqlite3", synchronous)
    queue = _connect(directory / f"queue-{synchronous}.sqlite3", synchronous)
    documents.execute("CREATE TABLE d (id TEXT PRIMARY KEY, body TEXT) WITHOUT ROWID")
    queue.execute("CREATE TABLE q (n INTEGER PRIMARY KEY, body TEXT, locked INTEGER)")
    orders = 0
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    while time.monotonic() < deadline:
        cart, order = f"cart-{orders}", f"order-{orders}"
        with documents:
            documents.execute("INSERT INTO d VALUES (?, ?)", (cart, _BODY))
        with queue:
            number = queue.execute("INSERT INTO q (body) VALUES (?)", (_BODY,)).lastrowid
        with documents:
            documents.execute("UPDATE d SET body = ? WHERE id = ?", (_BODY + "s", cart))
        with queue:
            queue.execute("UPDATE q SET locked = 1 WHERE n = ?", (number,))
        with documents:
            documents.execute("INSERT INTO d VALUES (?, ?)", (order, _BODY))
        with queue:
            queue.execute("DELETE FROM q WHERE n = ?", (number,))
        orders += 1
    elapsed = time.monotonic() - started
    documents.close()
    queue.close()
    for path in directory.glob(f"*-{synchronous}.sqlite3*"):
        os.remove(path)
    return orders / elapsed


def _connect(path: Path, synchronous: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute(f"PRAGMA synchronous = {synchronous}")
    return connection
