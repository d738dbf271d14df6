"""One line of a cart or order: a product, how many portions, at the menu price; and the
rules every holder of lines shares (the cart, the SubmitOrder message)."""

from collections.abc import Iterable
from decimal import Decimal

from pydantic import computed_field

from shared.domain.model import CamelModel
from shared.domain.money import to_money

# How many portions one line may hold.
MIN_LINE_QUANTITY = 1
MAX_LINE_QUANTITY = 99


class CartItem(CamelModel):
    product_id: str
    name: str
    quantity: int
    unit_price: Decimal

    @computed_field  # type: ignore[prop-decorator]
    @property
    def line_total(self) -> Decimal:
        return to_money(self.unit_price * self.quantity)


def lines_total(items: Iterable[CartItem]) -> Decimal:
    """What the lines cost together: the cart's total, and the one a SubmitOrder must carry."""
    return to_money(sum((item.line_total for item in items), Decimal("0")))
