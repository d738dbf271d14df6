"""One chaos run: web and worker processes under a fault mode, shoppers, poison, and the count.

The web and worker roles run as separate local host processes on shared SQLite files. A
supervisor restarts whichever dies (injected crash or SIGKILL); shoppers place orders over
HTTP meanwhile; known poison messages go straight into the queue. When the shoppers are done
the run waits (bounded) until nothing is in flight, stops the processes and counts.
"""

import asyncio
import contextlib
import json
import os
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.adapters.sqlite_queue import SqliteQueue
from shared.ports import OutgoingMessage
from tests.chaos.checker import QUEUE, LogCounts, Verdict, backlog, judge, read_logs
from tests.chaos.client import ClientLedger, ServerError, Shopper
from tests.chaos.processes import HostProcess, overlay_app_dir

REPO = Path(__file__).resolve().parents[2]
LOCK_SECONDS = 2
MAX_RESTARTS = 500


@dataclass(frozen=True)
class Mode:
    name: str
    settings: Mapping[str, str] = field(default_factory=dict)
    kill_worker: bool = False  # SIGKILL the worker at random moments
    lock_renewal: bool = True


# Rates are chosen so that a SubmitOrder failing all 10 deliveries (and so being dead-lettered)
# is very unlikely: the run proves no loss among messages that are retried, not luck.
MODES: dict[str, Mode] = {
    mode.name: mode
    for mode in (
        Mode("send-failures", {"FaultSendFailureRate": "0.3", "FaultSendFailFirst": "3"}),
        Mode("fail-before-order", {"FaultHandlerFailBeforeOrderRate": "0.3"}),
        Mode("fail-after-order", {"FaultHandlerFailAfterOrderRate": "0.3"}),
        Mode(
            "slow-handler",
            {"FaultHandlerDelaySeconds": str(LOCK_SECONDS + 1), "FaultHandlerDelayRate": "0.2"},
            lock_renewal=False,
        ),
        Mode(
            "crash-after-cart-write",
            {"FaultCrashPoints": "after-cart-write", "FaultCrashRate": "0.05"},
        ),
        Mode(
            "crash-after-order-write",
            {"FaultCrashPoints": "after-order-write", "FaultCrashRate": "0.05"},
        ),
        Mode("kill-worker", kill_worker=True),
        Mode(
            "all",
            {
                "FaultSendFailureRate": "0.1",
                "FaultHandlerFailBeforeOrderRate": "0.1",
                "FaultHandlerFailAfterOrderRate": "0.1",
                "FaultHandlerDelaySeconds": str(LOCK_SECONDS + 1),
                "FaultHandlerDelayRate": "0.05",
                "FaultCrashPoints": "after-cart-write,after-order-write",
                "FaultCrashRate": "0.02",
            },
            kill_worker=True,
            lock_renewal=False,
        ),
    )
}


@dataclass(frozen=True)
class RunOptions:
    orders: int
    concurrency: int = 16
    poison: int = 10
    seed: int = 1
    quiesce_timeout: float = 120.0
    give_up_after: float = 60.0  # a shopper's bound on one request, retries included


@dataclass(frozen=True)
class RunResult:
    mode: str
    verdict: Verdict
    logs: LogCounts
    quiescent: bool
    web_restarts: int
    worker_restarts: int
    kills: int
    gave_up: int
    client_errors: list[str]
    server_errors: list[ServerError]
    seconds: float
    workdir: Path

    @property
    def ok(self) -> bool:
        return self.verdict.ok and self.quiescent and not self.client_errors and not self.gave_up


def process_settings(mode: Mode, data_dir: Path) -> dict[str, str]:
    """The environment of both roles: embedded backends, short timings, the mode's faults."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        "StorageBackend": "sqlite",
        "MessagingBackend": "sqlite",
        "EmbeddedDataDir": str(data_dir),
        "SubmitOrderQueue": QUEUE,
        "EmbeddedQueueLockDurationSeconds": str(LOCK_SECONDS),
        "EmbeddedQueueMaxDeliveryCount": "10",
        "OutboxResendAfterSeconds": "2",
        "OutboxSweepSchedule": "*/1 * * * * *",
        **mode.settings,
    }


def poison_bodies(rng: random.Random) -> list[bytes]:
    """One of each kind the handler must reject: bytes, non-JSON, wrong schema, and an order
    without lines for a cart nobody submitted."""
    unknown_cart = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return [
        bytes(rng.getrandbits(8) | 0x80 for _ in range(16)),
        b'{"orderId": ',
        json.dumps({"messageType": "SubmitOrder", "orderId": 7}).encode(),
        json.dumps(
            {
                "orderId": unknown_cart,
                "cartId": unknown_cart,
                "customer": "nobody",
                "items": [],
                "total": "0.00",
                "currency": "PLN",
                "submittedAt": "2026-11-28T12:00:00Z",
            }
        ).encode(),
    ]


class ChaosRun:
    def __init__(self, mode: Mode, options: RunOptions, workdir: Path) -> None:
        self.mode = mode
        self.options = options
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.logs = workdir / "logs"
        self.rng = random.Random(f"{options.seed}:{mode.name}")
        self.ledger = ClientLedger()
        self.injected: set[str] = set()
        self.kills = 0
        self.shopping_done = asyncio.Event()
        self.client_errors: list[str] = []
        self._seeds = iter(range(options.seed * 1000, options.seed * 1000 + 10 * MAX_RESTARTS))
        app_dir = overlay_app_dir(REPO, workdir / "app", lock_renewal=mode.lock_renewal)
        env = process_settings(mode, self.data_dir)
        self.web = HostProcess("web", repo=REPO, app_dir=app_dir, env=env, logs=self.logs)
        self.worker = HostProcess("worker", repo=REPO, app_dir=app_dir, env=env, logs=self.logs)

    async def run(self) -> RunResult:
        started = time.monotonic()
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            await asyncio.gather(
                self.web.start(next(self._seeds)), self.worker.start(next(self._seeds))
            )
            supervisor = asyncio.create_task(self._supervise())
            killer = asyncio.create_task(self._kill_worker_now_and_then())
            try:
                await asyncio.gather(self._shop(), self._inject_poison())
                self.shopping_done.set()
                quiescent = await self._wait_until_quiescent()
            finally:
                killer.cancel()
                supervisor.cancel()
                for task in (killer, supervisor):
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await asyncio.gather(self.web.stop(), self.worker.stop())
        finally:
            self.web.kill_now()
            self.worker.kill_now()
        logs = read_logs(self.logs)
        return RunResult(
            mode=self.mode.name,
            verdict=judge(self.data_dir, self.ledger, logs, self.injected),
            logs=logs,
            quiescent=quiescent,
            web_restarts=self.web.incarnation - 1,
            worker_restarts=self.worker.incarnation - 1,
            kills=self.kills,
            gave_up=self.ledger.gave_up,
            client_errors=self.client_errors,
            server_errors=self.ledger.server_errors,
            seconds=time.monotonic() - started,
            workdir=self.workdir,
        )

    async def _supervise(self) -> None:
        """Restart a role that died, as the Functions platform would, within a bound."""
        while True:
            for host in (self.web, self.worker):
                if host.exited:
                    if host.incarnation > MAX_RESTARTS:
                        raise RuntimeError(f"{host.role} died more than {MAX_RESTARTS} times")
                    await host.start(next(self._seeds))
            await asyncio.sleep(0.05)

    async def _kill_worker_now_and_then(self) -> None:
        """SIGKILL the worker at random moments while there is work, until cancelled."""
        if not self.mode.kill_worker:
            return
        while True:
            await asyncio.sleep(self.rng.uniform(0.3, 1.5))
            if not self.worker.ready or (self.shopping_done.is_set() and await self._idle()):
                continue
            await self.worker.kill()
            self.kills += 1

    async def _idle(self) -> bool:
        return (await asyncio.to_thread(backlog, self.data_dir)).empty

    async def _shop(self) -> None:
        limits = httpx.Limits(max_connections=self.options.concurrency)
        async with httpx.AsyncClient(timeout=10.0, limits=limits) as http:
            shopper = Shopper(
                http,
                lambda: self.web.base_url if self.web.ready else None,
                self.ledger,
                give_up_after=self.options.give_up_after,
            )
            slots = asyncio.Semaphore(self.options.concurrency)

            async def one(n: int) -> None:
                async with slots:
                    rng = random.Random(f"{self.options.seed}:{self.mode.name}:{n}")
                    try:
                        await shopper.place_order(f"shopper{n % 50}", rng)
                    except AssertionError as error:
                        self.client_errors.append(str(error))

            await asyncio.gather(*(one(n) for n in range(self.options.orders)))

    async def _inject_poison(self) -> None:
        """Known poison messages, straight into the queue while the shoppers shop."""
        queue = SqliteQueue(self.data_dir / "queue.sqlite3", QUEUE)
        try:
            for n in range(self.options.poison):
                await asyncio.sleep(self.rng.uniform(0.0, 0.3))
                bodies = poison_bodies(self.rng)
                message_id = f"chaos-poison-{n}"
                await queue.send(
                    OutgoingMessage(body=bodies[n % len(bodies)], message_id=message_id)
                )
                self.injected.add(message_id)
        finally:
            await queue.close()

    async def _wait_until_quiescent(self) -> bool:
        """True once nothing is queued or pending twice in a row, within the bound."""
        deadline = time.monotonic() + self.options.quiesce_timeout
        calm = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            calm = calm + 1 if await self._idle() else 0
            if calm >= 2:
                return True
        return False
