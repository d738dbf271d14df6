"""The SubmitOrder message: everything the order handler needs, built from the submitted cart."""

from decimal import Decimal
from typing import Literal

from pydantic import ConfigDict

from shared.domain.cart_item import CartItem
from shared.domain.model import CamelModel
from shared.domain.timestamps import UtcDateTime

MESSAGE_TYPE: Literal["SubmitOrder"] = "SubmitOrder"
SCHEMA_VERSION: Literal[1] = 1


class SubmitOrder(CamelModel):
    # A message that does not match this schema is a poison message: reject, never guess.
    model_config = ConfigDict(extra="forbid")

    message_type: Literal["SubmitOrder"] = MESSAGE_TYPE
    schema_version: Literal[1] = SCHEMA_VERSION
    order_id: str
    cart_id: str
    customer: str
    items: list[CartItem]
    total: Decimal
    currency: str
    submitted_at: UtcDateTime

    @property
    def message_id(self) -> str:
        """Derived from the cart, so a re-sent message is recognisable as the same one."""
        return f"submit-order-{self.cart_id}"
