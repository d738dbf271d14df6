"""One line of a cart or order: a product, how many portions, at the menu price."""

from decimal import Decimal

from pydantic import computed_field

from shared.domain.model import CamelModel
from shared.domain.money import to_money


class CartItem(CamelModel):
    product_id: str
    name: str
    quantity: int
    unit_price: Decimal

    @computed_field  # type: ignore[prop-decorator]
    @property
    def line_total(self) -> Decimal:
        return to_money(self.unit_price * self.quantity)
