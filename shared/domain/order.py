"""The order, created by the order handler from a SubmitOrder message."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from shared.domain.cart_item import CartItem
from shared.domain.model import CamelModel
from shared.domain.submit_order import SubmitOrder
from shared.domain.timestamps import UtcDateTime


class Order(CamelModel):
    id: str
    cart_id: str
    customer: str
    items: list[CartItem]
    total: Decimal
    currency: str
    status: Literal["placed"] = "placed"
    submitted_at: UtcDateTime
    placed_at: UtcDateTime

    @classmethod
    def place(cls, message: SubmitOrder, now: datetime) -> "Order":
        return cls(
            id=message.order_id,
            cart_id=message.cart_id,
            customer=message.customer,
            items=message.items,
            total=message.total,
            currency=message.currency,
            submitted_at=message.submitted_at,
            placed_at=now,
        )

    def to_api(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)
