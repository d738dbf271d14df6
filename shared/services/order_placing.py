"""Placing orders: the SubmitOrder handler turns an accepted cart's message into one order."""

import json
import logging

from pydantic import ValidationError

from shared.domain.order import Order
from shared.domain.submit_order import SubmitOrder
from shared.repositories import OrderRepository
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


class SubmitOrderHandler:
    """Places the order from the message alone: one create, no read of the cart.

    The message is the cart as it was accepted at submit (lines, prices, total), written by
    the submit into the cart's outbox in the same write that flagged the cart ordered, and
    every version of the app has sent it so. Only the app can send to its queue (its
    identity holds the queue's send right), so the handler trusts a well-formed message
    instead of reading the cart back: on Cosmos DB that read was one of five round trips an
    order cost, and the only one the worker made besides the create.
    """

    def __init__(self, orders: OrderRepository, clock: Clock) -> None:
        self._orders = orders
        self._clock = clock

    async def handle(self, body: bytes) -> Order:
        """Create the order if absent. A redelivered or re-sent message is not an error."""
        message = parse_submit_order(body)
        order = Order.place(message, self._clock())
        # The order id is the cart id: a second create of it is a 409, the order placed already.
        created = await self._orders.add_if_absent(order)
        if created:
            log.info("Order submitted %s", order.id)
        else:
            log.info("Order %s already exists; duplicate SubmitOrder ignored", order.id)
        return order
