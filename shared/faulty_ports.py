"""The ports, wrapped to fail where the fault injector says: composed in bootstrap, nowhere else.

Each wrapper hands every call to the real port and adds its fault around the one call it is
about, so the use cases never know fault injection exists. They are built only when a Fault*
setting switches a fault on.
"""

from shared.domain.cart import ShoppingCart
from shared.domain.order import Order
from shared.faults import AFTER_CART_WRITE, FaultInjector
from shared.ports import MessageSender, OutgoingMessage
from shared.repositories import CartPage, CartRepository, OrderRepository, Versioned


class FaultySender(MessageSender):
    """A sender that fails when the injector says so, before the real send is attempted."""

    def __init__(self, inner: MessageSender, faults: FaultInjector) -> None:
        self.inner = inner
        self._faults = faults

    async def send(self, message: OutgoingMessage) -> None:
        self._faults.before_send()
        await self.inner.send(message)

    async def check_reachable(self) -> None:
        await self.inner.check_reachable()

    async def close(self) -> None:
        await self.inner.close()


class FaultyCarts(CartRepository):
    """Carts whose submit write may crash the process just after it is durable.

    The crash point is the write that records a cart's SubmitOrder as pending: the cart is
    ordered, its message not yet sent, so only the outbox can still deliver it.
    """

    # A wrapper, not a second repository: every method goes to ``inner`` (the base class
    # is for the type only, so its initialiser is not called).
    def __init__(self, inner: CartRepository, faults: FaultInjector) -> None:
        self.inner = inner
        self._faults = faults

    async def get(self, customer: str, cart_id: str) -> Versioned[ShoppingCart] | None:
        return await self.inner.get(customer, cart_id)

    async def add(self, cart: ShoppingCart) -> Versioned[ShoppingCart]:
        return await self.inner.add(cart)

    async def replace(self, cart: ShoppingCart, etag: str) -> Versioned[ShoppingCart]:
        saved = await self.inner.replace(cart, etag)
        outbox = saved.value.outbox
        if outbox is not None and outbox.status == "pending":
            self._faults.crash_point(AFTER_CART_WRITE)
        return saved

    async def page(
        self, customer: str, *, ordered: bool | None, limit: int, continuation_token: str | None
    ) -> CartPage:
        return await self.inner.page(
            customer, ordered=ordered, limit=limit, continuation_token=continuation_token
        )

    async def with_pending_outbox(self, limit: int) -> list[Versioned[ShoppingCart]]:
        return await self.inner.with_pending_outbox(limit)


class FaultyOrders(OrderRepository):
    """Orders whose creation may stall, fail before or after the write, or crash after it."""

    # A wrapper, like FaultyCarts: every method goes to ``inner``.
    def __init__(self, inner: OrderRepository, faults: FaultInjector) -> None:
        self.inner = inner
        self._faults = faults

    async def get(self, customer: str, order_id: str) -> Order | None:
        return await self.inner.get(customer, order_id)

    async def add_if_absent(self, order: Order) -> bool:
        await self._faults.before_order_write()
        created = await self.inner.add_if_absent(order)
        self._faults.after_order_write(created)
        return created
