"""Placing orders: the SubmitOrder handler turns an accepted cart's message into one order."""

import json
import logging

from pydantic import ValidationError

from shared.domain.order import Order
from shared.domain.submit_order import SubmitOrder
from shared.repositories import CartRepository, OrderRepository
from shared.services.clock import Clock

log = logging.getLogger(__name__)


class PoisonMessage(Exception):
    """A message that can never succeed, however often it is retried."""

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(f"{reason}: {description}")
        self.reason = reason
        self.description = description


def parse_submit_order(body: bytes) -> SubmitOrder:
    """Decode and validate a SubmitOrder body; PoisonMessage if it is not one."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PoisonMessage("UndecodableBody", f"The body is not UTF-8 JSON: {error}") from None
    try:
        return SubmitOrder.model_validate(payload)
    except ValidationError as error:
        raise PoisonMessage(
            "SchemaViolation", f"The body is not a SubmitOrder: {error.errors(include_url=False)}"
        ) from None


# On Cosmos DB (session consistency) the worker is another client than the web role that wrote
# the cart, so its read may briefly miss that write. A missing cart is taken for poison only
# when it is still missing at this delivery: until then the message is retried.
UNKNOWN_CART_POISON_AT_DELIVERY = 3


class CartNotVisibleYet(Exception):
    """The message names a cart this read cannot see (yet); transient, so retried."""


class SubmitOrderHandler:
    def __init__(
        self,
        orders: OrderRepository,
        carts: CartRepository,
        clock: Clock,
    ) -> None:
        self._orders = orders
        self._carts = carts
        self._clock = clock

    async def handle(self, body: bytes, *, delivery_count: int) -> Order:
        """Create the order if absent. A redelivered or re-sent message is not an error."""
        message = parse_submit_order(body)
        cart = await self._carts.get(message.customer, message.cart_id)
        if cart is None or not cart.value.ordered or cart.value.order_id != message.order_id:
            missing = f"No submitted cart '{message.cart_id}' of customer '{message.customer}'"
            if delivery_count < UNKNOWN_CART_POISON_AT_DELIVERY:
                raise CartNotVisibleYet(f"{missing} (delivery {delivery_count}); retrying.")
            raise PoisonMessage("UnknownCart", f"{missing} after {delivery_count} deliveries.")
        order = Order.place(message, self._clock())
        created = await self._orders.add_if_absent(order)
        if created:
            log.info("Order submitted %s", order.id)
        else:
            log.info("Order %s already exists; duplicate SubmitOrder ignored", order.id)
        return order
