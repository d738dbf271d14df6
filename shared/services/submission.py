"""Submitting a cart: flag it ordered with its SubmitOrder recorded, then send the message."""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from shared.domain.errors import CartNotFound, StaleVersion
from shared.ports import PreconditionFailed, etag_matches_any
from shared.repositories import CartRepository
from shared.services.carts import MAX_UPDATE_ATTEMPTS, CartBusy
from shared.services.clock import Clock
from shared.services.outbox import OutboxDispatcher


@dataclass(frozen=True)
class SubmissionReceipt:
    order_id: str
    cart_id: str
    status: Literal["pending"] = "pending"
    # True for the submit that accepted the cart, False for a repeat of it.
    accepted_now: bool = False


class SubmissionService:
    def __init__(
        self,
        carts: CartRepository,
        outbox: OutboxDispatcher,
        clock: Clock,
    ) -> None:
        self._carts = carts
        self._outbox = outbox
        self._clock = clock

    async def submit(
        self,
        customer: str,
        cart_id: str,
        correlation_id: str,
        if_match: Collection[str] | None,
        *,
        trace_parent: str | None = None,
    ) -> SubmissionReceipt:
        """Accept the cart for ordering; idempotent: a repeated submit returns the same order id.

        The ordered flag and the pending message are one document write (compare-and-swap on
        the ETag), so concurrent submits produce exactly one order and a crash after the write
        cannot lose it. ``trace_parent`` (W3C) is recorded with the message, so that every
        send of it, a re-send too, continues the submit's trace.
        """
        for _ in range(MAX_UPDATE_ATTEMPTS):
            current = await self._carts.get(customer, cart_id)
            if current is None:
                raise CartNotFound(cart_id)
            cart = current.value
            if cart.ordered and cart.order_id is not None:
                # Already accepted: the same answer, whatever version the client holds.
                if self._outbox.is_due_for_resend(cart):
                    await self._outbox.dispatch(current)
                return SubmissionReceipt(order_id=cart.order_id, cart_id=cart.id)
            if if_match is not None and not etag_matches_any(current.etag, if_match):
                raise StaleVersion("The shopping cart")
            message = cart.submit(correlation_id, self._clock(), trace_parent)
            try:
                saved = await self._carts.replace(cart, current.etag)
            except PreconditionFailed:
                if if_match is not None:
                    raise StaleVersion("The shopping cart") from None
                continue
            await self._outbox.dispatch(saved)
            return SubmissionReceipt(order_id=message.order_id, cart_id=cart.id, accepted_now=True)
        raise CartBusy(f"Shopping cart '{cart_id}' is being changed by many requests at once.")
