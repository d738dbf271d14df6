"""The app's side of the bench: the local host started as ``make run`` starts it (one process)
and as separate web and worker processes, on the embedded backends in a fresh data directory.

Orders are seen placed by reading the documents file read-only with plain sqlite3, as the chaos
checker does, so the measurement does not go through the app's own code.
"""

import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.bench.load import Call, LoadResult, run_for, run_list
from tests.chaos.processes import HostProcess, Role

QUEUE = "submit-order"
PRODUCTS = ("meat", "mushrooms", "ruskie", "swiss-cheese", "strawberry")
CUSTOMERS = 64
PLACED_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Sizes:
    """How much each measurement does; the smoke run uses tiny ones."""

    orders: int = 300  # carts submitted in the end-to-end and backlog runs
    seconds: float = 2.0  # each wrk run
    one_at_a_time: int = 40  # submit -> placed, sequential
    import_runs: int = 5


@dataclass(frozen=True)
class Latency:
    submit_p50_ms: float
    placed_p50_ms: float  # from sending the submit to the order in the store


@dataclass
class AppResults:
    products: LoadResult | None = None
    get_cart: LoadResult | None = None
    add_item: LoadResult | None = None
    submit: LoadResult | None = None  # 16 connections, each cart once, one process
    end_to_end: float | None = None  # orders/s, first submit -> last order placed, one process
    end_to_end_two: float | None = None  # the same with web and worker processes
    drain: float | None = None  # orders/s, worker started on a full queue
    latency_one: Latency | None = None
    latency_two: Latency | None = None
    idle_commits: int | None = None  # commits to either file in 3 s with nothing to do
    import_ms: float | None = None  # importing HttpSubmitOrder in a fresh interpreter
    import_functions_ms: float | None = None  # importing azure.functions alone


class Orders:
    """Read-only view of the orders in a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self._connection = sqlite3.connect(
            f"file:{data_dir / 'documents.sqlite3'}?mode=ro", uri=True, timeout=30
        )

    def count(self) -> int:
        (count,) = self._connection.execute(
            "SELECT count(*) FROM documents WHERE container = 'orders'"
        ).fetchone()
        return int(count)

    def placed(self, customer: str, order_id: str) -> bool:
        row = self._connection.execute(
            "SELECT 1 FROM documents WHERE container = 'orders' AND partition_key = ? AND id = ?",
            (customer, order_id),
        ).fetchone()
        return row is not None

    def close(self) -> None:
        self._connection.close()


class Host:
    """The local host of the app in ``repo``: one process, or web and worker."""

    def __init__(self, repo: Path, workdir: Path, python: str) -> None:
        self.repo = repo
        self.python = python
        self.data_dir = workdir / "data"
        self._logs = workdir / "logs"
        self._logs.mkdir(parents=True, exist_ok=True)
        self._env = {
            "PATH": os.environ.get("PATH", ""),
            "LANG": "C.UTF-8",
            "StorageBackend": "sqlite",
            "MessagingBackend": "sqlite",
            "EmbeddedDataDir": str(self.data_dir),
            "SubmitOrderQueue": QUEUE,
        }
        self.processes: list[HostProcess] = []

    async def start(self, role: Role) -> HostProcess:
        process = HostProcess(
            role,
            repo=self.repo,
            app_dir=self.repo,
            env=self._env,
            logs=self._logs,
            python=self.python,
        )
        self.processes.append(process)
        await process.start(seed=1)
        return process

    async def stop(self) -> None:
        for process in self.processes:
            await process.stop()

    def kill_now(self) -> None:
        for process in self.processes:
            process.kill_now()


@asynccontextmanager
async def host(repo: Path, python: str) -> AsyncIterator[Host]:
    with tempfile.TemporaryDirectory(prefix="bench-app-") as workdir:
        running = Host(repo, Path(workdir), python)
        try:
            yield running
        finally:
            try:
                await running.stop()
            finally:
                running.kill_now()


@dataclass(frozen=True)
class Cart:
    customer: str
    id: str

    @property
    def path(self) -> str:
        return f"/api/customers/{self.customer}/carts/{self.id}"


async def make_carts(base_url: str, count: int, *, tag: str) -> list[Cart]:
    """``count`` carts holding one item each, over HTTP."""
    customers = [f"bench-{tag}-{n % CUSTOMERS}" for n in range(count)]
    created, answers = await run_list(
        base_url, [Call("POST", f"/api/customers/{c}/carts") for c in customers], expect=201
    )
    if created.failures:
        raise RuntimeError(f"{created.failures} of {count} carts were not created")
    carts = []
    for answer in answers:
        cart = json.loads(answer.body)
        carts.append(Cart(cart["customer"], cart["id"]))
    filled, _ = await run_list(
        base_url,
        [
            Call("POST", f"{cart.path}/items", {"productId": PRODUCTS[n % 5], "quantity": 1})
            for n, cart in enumerate(carts)
        ],
        expect=200,
    )
    if filled.failures:
        raise RuntimeError(f"{filled.failures} of {count} carts were not filled")
    return carts


async def wait_placed(orders: Orders, count: int) -> float:
    """The time (time.monotonic()) at which ``count`` orders were first seen in the store."""
    deadline = time.monotonic() + PLACED_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if orders.count() >= count:
            return time.monotonic()
        await asyncio.sleep(0.005)
    raise RuntimeError(f"only {orders.count()} of {count} orders placed in time")


async def submit_all(base_url: str, carts: Sequence[Cart]) -> tuple[LoadResult, float]:
    """Every cart submitted, 16 at a time; the result and when the first submit was sent."""
    result, timings = await run_list(
        base_url, [Call("POST", f"{cart.path}/submit") for cart in carts], expect=202
    )
    if result.failures:
        raise RuntimeError(f"{result.failures} submits were not accepted")
    return result, min(t.sent for t in timings)


async def one_at_a_time(base_url: str, orders: Orders, carts: Sequence[Cart]) -> Latency:
    submits: list[float] = []
    placed: list[float] = []
    async with aiohttp.ClientSession(base_url) as session:
        for cart in carts:
            sent = time.monotonic()
            async with session.post(f"{cart.path}/submit") as answer:
                await answer.read()
                if answer.status != 202:
                    raise RuntimeError(f"submit answered {answer.status}")
            submits.append(time.monotonic() - sent)
            while not orders.placed(cart.customer, cart.id):
                if time.monotonic() - sent > PLACED_TIMEOUT_SECONDS:
                    raise RuntimeError("an order was not placed in time")
                await asyncio.sleep(0.0005)
            placed.append(time.monotonic() - sent)
    return Latency(statistics.median(submits) * 1000, statistics.median(placed) * 1000)


def idle_commits(data_dir: Path, seconds: float) -> int:
    """Commits other connections made to the files while the host had nothing to do."""
    paths = [data_dir / "documents.sqlite3", data_dir / "queue.sqlite3"]
    connections = [sqlite3.connect(f"file:{p}?mode=ro", uri=True) for p in paths]
    try:
        before = [c.execute("PRAGMA data_version").fetchone()[0] for c in connections]
        commits = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(0.01)
            now = [c.execute("PRAGMA data_version").fetchone()[0] for c in connections]
            commits += sum(a != b for a, b in zip(before, now, strict=True))
            before = now
        return commits
    finally:
        for connection in connections:
            connection.close()


def import_ms(repo: Path, python: str, module: str, runs: int) -> float:
    """The fastest of ``runs`` fresh interpreters importing ``module`` (from ``repo``)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    best = float("inf")
    for _ in range(runs):
        output = subprocess.run(
            [python, "-c", code], cwd=repo, capture_output=True, text=True, check=True
        ).stdout
        best = min(best, float(output.strip()) * 1000)
    return best


async def measure(repo: Path, sizes: Sizes, say: "Say", python: str = sys.executable) -> AppResults:
    """The app at ``repo``, run by ``python`` (an interpreter with that tree's requirements)."""
    results = AppResults()
    say("  one process")
    async with host(repo, python) as running:
        process = await running.start("all")
        base = process.base_url
        assert base is not None
        few = await make_carts(base, 64, tag="few")  # the files exist from here on
        orders = Orders(running.data_dir)
        try:
            results.products = await run_for(base, [Call("GET", "/api/products")], sizes.seconds)
            results.get_cart = await run_for(
                base, [Call("GET", c.path) for c in few], sizes.seconds
            )
            results.add_item = await run_for(
                base,
                [
                    Call("POST", f"{c.path}/items", {"productId": p, "quantity": 1})
                    for p in PRODUCTS  # neighbours in the list hit different carts
                    for c in few
                ],
                sizes.seconds,
            )
            carts = await make_carts(base, sizes.orders, tag="e2e")
            results.submit, first = await submit_all(base, carts)
            results.end_to_end = sizes.orders / (await wait_placed(orders, sizes.orders) - first)
            single = await make_carts(base, sizes.one_at_a_time, tag="single")
            results.latency_one = await one_at_a_time(base, orders, single)
            await asyncio.sleep(1.0)  # let the last invocations finish
            results.idle_commits = await asyncio.to_thread(idle_commits, running.data_dir, 3.0)
        finally:
            orders.close()
    say("  web and worker processes")
    async with host(repo, python) as running:
        web = await running.start("web")
        base = web.base_url
        assert base is not None
        carts = await make_carts(base, sizes.orders, tag="backlog")
        await submit_all(base, carts)
        orders = Orders(running.data_dir)
        try:
            await running.start("worker")
            first_seen = await wait_placed(orders, 1)
            results.drain = (sizes.orders - 1) / max(
                await wait_placed(orders, sizes.orders) - first_seen, 1e-9
            )
            carts = await make_carts(base, sizes.orders, tag="e2e")
            _, first = await submit_all(base, carts)
            results.end_to_end_two = sizes.orders / (
                await wait_placed(orders, 2 * sizes.orders) - first
            )
            single = await make_carts(base, sizes.one_at_a_time, tag="single")
            results.latency_two = await one_at_a_time(base, orders, single)
        finally:
            orders.close()
    say("  imports")
    results.import_functions_ms = await asyncio.to_thread(
        import_ms, repo, python, "azure.functions", sizes.import_runs
    )
    results.import_ms = await asyncio.to_thread(
        import_ms, repo, python, "HttpSubmitOrder", sizes.import_runs
    )
    return results


class Say:
    def __call__(self, text: str) -> None:
        print(text, flush=True)
