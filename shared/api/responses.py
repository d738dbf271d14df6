"""Response bodies that are not domain models themselves, as models: the endpoints serialise
through them and the OpenAPI description is generated from them."""

from typing import Literal

from shared.domain.cart import ShoppingCart
from shared.domain.model import CamelModel


class CartPage(CamelModel):
    """One page of a customer's carts, newest first."""

    carts: list[ShoppingCart]
    # Send it back as ?continuationToken= for the next page; null on the last page.
    continuation_token: str | None

    def to_api(self) -> dict[str, object]:
        return {
            "carts": [cart.to_api() for cart in self.carts],
            "continuationToken": self.continuation_token,
        }


class SubmissionAccepted(CamelModel):
    """The cart was accepted for ordering; poll the order at Location."""

    order_id: str
    cart_id: str
    status: Literal["pending"]


class PendingOrderStatus(CamelModel):
    """The order is still being placed; poll again after Retry-After seconds."""

    order_id: str
    status: Literal["pending"]


class HealthReport(CamelModel):
    """The store and the queue are reachable."""

    status: Literal["healthy"]
    checks: dict[str, Literal["reachable", "unreachable"]]
