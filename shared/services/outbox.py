"""Sending a cart's recorded SubmitOrder message and marking it sent (the transactional outbox)."""

import logging
from datetime import timedelta

from shared.domain.cart import OutboxEntry, ShoppingCart
from shared.domain.submit_order import MESSAGE_TYPE, SCHEMA_VERSION
from shared.ports import (
    TRACE_PARENT_PROPERTIES,
    MessageSender,
    OutgoingMessage,
    PreconditionFailed,
)
from shared.repositories import CartRepository, Versioned
from shared.services.clock import Clock

log = logging.getLogger(__name__)

# A pending entry younger than this is probably being sent by the request that recorded it;
# re-sending it at once would only multiply duplicates under concurrent submits.
# The default of the ``resend_pending_after`` parameter (app setting OutboxResendAfterSeconds).
RESEND_PENDING_AFTER = timedelta(seconds=10)
MAX_MARK_ATTEMPTS = 10


def outgoing_message(entry: OutboxEntry) -> OutgoingMessage:
    properties: dict[str, str | int] = {
        "messageType": MESSAGE_TYPE,
        "schemaVersion": SCHEMA_VERSION,
    }
    if entry.trace_parent is not None:
        properties.update(dict.fromkeys(TRACE_PARENT_PROPERTIES, entry.trace_parent))
    return OutgoingMessage(
        body=entry.message.model_dump_json(by_alias=True).encode(),
        message_id=entry.message_id,
        correlation_id=entry.correlation_id,
        content_type="application/json",
        subject=MESSAGE_TYPE,
        application_properties=properties,
    )


class OutboxDispatcher:
    def __init__(
        self,
        carts: CartRepository,
        sender: MessageSender,
        clock: Clock,
        *,
        resend_pending_after: timedelta = RESEND_PENDING_AFTER,
    ) -> None:
        if resend_pending_after < timedelta(0):
            raise ValueError("resend_pending_after must not be negative.")
        self._carts = carts
        self._sender = sender
        self._clock = clock
        self.resend_pending_after = resend_pending_after

    def is_due_for_resend(self, cart: ShoppingCart) -> bool:
        entry = cart.outbox
        return (
            entry is not None
            and entry.status == "pending"
            and self._clock() - entry.recorded_at >= self.resend_pending_after
        )

    async def dispatch(self, saved: Versioned[ShoppingCart]) -> bool:
        """Send the cart's pending message, then mark it sent. True if the send succeeded.

        A failed send is logged and left pending: the order is accepted and durable, and the
        outbox sweep or a repeated submit sends it later. A duplicate send is harmless: the
        message id is derived from the cart and the order handler is idempotent.
        """
        entry = saved.value.outbox
        if entry is None or entry.status != "pending":
            return True
        try:
            await self._sender.send(outgoing_message(entry))
        except Exception:
            log.warning(
                "Sending %s failed; it stays pending in the outbox", entry.message_id, exc_info=True
            )
            return False
        await self._mark_sent(saved)
        return True

    async def _mark_sent(self, saved: Versioned[ShoppingCart]) -> None:
        current: Versioned[ShoppingCart] | None = saved
        for _ in range(MAX_MARK_ATTEMPTS):
            if current is None or current.value.outbox is None:
                return
            if current.value.outbox.status == "sent":
                return
            cart = current.value
            cart.mark_outbox_sent(self._clock())
            try:
                await self._carts.replace(cart, current.etag)
                return
            except PreconditionFailed:
                current = await self._carts.get(cart.customer, cart.id)
        # Left pending: at worst it is sent once more and the idempotent handler ignores it.
        log.warning("Could not mark %s sent after %d attempts", saved.value.id, MAX_MARK_ATTEMPTS)
