"""Whether the app can work now: its document store and its queue answer.

For the operator's health endpoint: each check is one cheap read (a point read of a document
that never exists; the queue's link or a count), bounded in time, and reports reachable or
not - never the data it read.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.ports import DocumentStore, MessageSender

log = logging.getLogger(__name__)

# Longer than a healthy round trip, short enough for a load balancer's probe.
CHECK_TIMEOUT_SECONDS = 5.0
# A point read of this id in this partition: no cart has it (cart ids are UUIDs).
_PROBE_CONTAINER = "carts"
_PROBE_ID = "health-probe"


@dataclass(frozen=True)
class HealthReport:
    store: bool
    queue: bool

    @property
    def healthy(self) -> bool:
        return self.store and self.queue


class HealthCheck:
    def __init__(
        self,
        store: DocumentStore,
        sender: MessageSender,
        *,
        timeout_seconds: float = CHECK_TIMEOUT_SECONDS,
    ) -> None:
        self._store = store
        self._sender = sender
        self._timeout = timeout_seconds

    async def check(self) -> HealthReport:
        store, queue = await asyncio.gather(
            self._reachable("store", self._read_probe),
            self._reachable("queue", self._sender.check_reachable),
        )
        return HealthReport(store=store, queue=queue)

    async def _read_probe(self) -> None:
        await self._store.read(_PROBE_CONTAINER, _PROBE_ID, _PROBE_ID)

    async def _reachable(self, name: str, probe: Callable[[], Awaitable[None]]) -> bool:
        try:
            await asyncio.wait_for(probe(), self._timeout)
        except Exception:
            # Whatever the failure, the answer is "not reachable"; the log keeps the cause.
            log.warning("Health check: the %s is not reachable", name, exc_info=True)
            return False
        return True
