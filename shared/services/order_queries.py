"""Reading an order: placed, still pending (cart submitted, order not created yet), or unknown."""

from dataclasses import dataclass

from shared.domain.errors import OrderNotFound
from shared.domain.order import Order
from shared.repositories import CartRepository, OrderRepository


@dataclass(frozen=True)
class PendingOrder:
    order_id: str


class OrderQueries:
    def __init__(self, orders: OrderRepository, carts: CartRepository) -> None:
        self._orders = orders
        self._carts = carts

    async def order_status(self, customer: str, order_id: str) -> Order | PendingOrder:
        """Two point reads at most: the order id is the cart id."""
        order = await self._orders.get(customer, order_id)
        if order is not None:
            return order
        cart = await self._carts.get(customer, order_id)
        if cart is not None and cart.value.ordered:
            return PendingOrder(order_id)
        raise OrderNotFound(order_id)
