"""The services and repositories of the order flow, observed: spans annotated, metrics recorded.

Each class extends the plain one around its method and changes nothing it does; the
composition root uses them only when telemetry is on.
"""

from collections.abc import Collection

from shared.domain.order import Order
from shared.poison_store import PoisonRecord, PoisonStore
from shared.ports import DocumentStore
from shared.repositories import CartRepository, OrderRepository
from shared.services.clock import Clock
from shared.services.outbox import OutboxDispatcher
from shared.services.outbox_sweep import OutboxSweep, SweepResult
from shared.services.submission import SubmissionReceipt, SubmissionService
from shared.telemetry.telemetry import CUSTOMER, ORDER_ID, Telemetry

# The pending-entry gauge counts up to this many (one indexed query after each sweep).
PENDING_COUNT_LIMIT = 1000


class ObservedSubmissions(SubmissionService):
    """Records the submit's trace context with the message; counts accepted orders."""

    def __init__(
        self,
        carts: CartRepository,
        outbox: OutboxDispatcher,
        clock: Clock,
        telemetry: Telemetry,
    ) -> None:
        super().__init__(carts, outbox, clock)
        self._telemetry = telemetry

    async def submit(
        self,
        customer: str,
        cart_id: str,
        correlation_id: str,
        if_match: Collection[str] | None,
        *,
        trace_parent: str | None = None,
    ) -> SubmissionReceipt:
        receipt = await super().submit(
            customer,
            cart_id,
            correlation_id,
            if_match,
            trace_parent=trace_parent or self._telemetry.trace_parent(),
        )
        self._telemetry.annotate({ORDER_ID: receipt.order_id, CUSTOMER: customer})
        if receipt.accepted_now:
            self._telemetry.order_accepted()
        return receipt


class ObservedOrders(OrderRepository):
    """Counts placed orders and their submit -> placed latency."""

    def __init__(self, store: DocumentStore, telemetry: Telemetry) -> None:
        super().__init__(store)
        self._telemetry = telemetry

    async def add_if_absent(self, order: Order) -> bool:
        self._telemetry.annotate({ORDER_ID: order.id, CUSTOMER: order.customer})
        created = await super().add_if_absent(order)
        if created:
            self._telemetry.order_placed(order.placed_at - order.submitted_at)
        return created


class ObservedPoisonStore(PoisonStore):
    """Counts messages newly stored as poison."""

    def __init__(self, store: DocumentStore, telemetry: Telemetry) -> None:
        super().__init__(store)
        self._telemetry = telemetry

    async def add_if_absent(self, record: PoisonRecord) -> bool:
        added = await super().add_if_absent(record)
        if added:
            self._telemetry.poison_stored()
        return added


class ObservedOutboxSweep(OutboxSweep):
    """After each sweep, records how many outbox entries are still pending."""

    def __init__(
        self, carts: CartRepository, outbox: OutboxDispatcher, telemetry: Telemetry
    ) -> None:
        super().__init__(carts, outbox)
        self._pending = carts
        self._telemetry = telemetry

    async def run(self) -> SweepResult:
        result = await super().run()
        pending = await self._pending.with_pending_outbox(PENDING_COUNT_LIMIT)
        self._telemetry.outbox_pending(len(pending))
        return result
