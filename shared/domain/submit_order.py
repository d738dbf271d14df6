"""The SubmitOrder message: everything the order handler needs, built from the submitted cart."""

from decimal import Decimal
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from shared.domain.cart_item import MIN_LINE_QUANTITY, CartItem, lines_total
from shared.domain.model import CamelModel
from shared.domain.timestamps import UtcDateTime

MESSAGE_TYPE: Literal["SubmitOrder"] = "SubmitOrder"
SCHEMA_VERSION: Literal[1] = 1


class SubmitOrder(CamelModel):
    """The order as the cart was accepted: the handler places it from this alone.

    The schema is the one every version of the app has sent: during a rolling deploy an old
    worker reads the new version's messages and a new worker the old one's.
    """

    # A message that does not match this schema is a poison message: reject, never guess.
    model_config = ConfigDict(extra="forbid")

    message_type: Literal["SubmitOrder"] = MESSAGE_TYPE
    schema_version: Literal[1] = SCHEMA_VERSION
    order_id: str
    cart_id: str
    customer: str
    # A submit refuses an empty cart, so a message without lines was never accepted.
    items: list[CartItem] = Field(min_length=1)
    total: Decimal
    currency: str
    submitted_at: UtcDateTime

    @model_validator(mode="after")
    def _lines_make_the_total(self) -> "SubmitOrder":
        # The order is placed as the message says, so it must agree with itself.
        if any(item.quantity < MIN_LINE_QUANTITY for item in self.items):
            raise ValueError(f"every line needs a quantity of at least {MIN_LINE_QUANTITY}")
        lines = lines_total(self.items)
        if self.total != lines:
            raise ValueError(f"the total {self.total} is not the sum of the lines, {lines}")
        return self

    @property
    def message_id(self) -> str:
        """Derived from the cart, so a re-sent message is recognisable as the same one."""
        return f"submit-order-{self.cart_id}"
