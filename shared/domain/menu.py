"""The menu: five fillings with server-side prices. Clients never set a price."""

from decimal import Decimal

from shared.domain.model import CamelModel
from shared.domain.money import CURRENCY


class Product(CamelModel):
    id: str
    name: str
    unit_price: Decimal
    currency: str = CURRENCY


MENU: dict[str, Product] = {
    product.id: product
    for product in (
        Product(id="meat", name="Pierogi with meat", unit_price=Decimal("32.00")),
        Product(id="mushrooms", name="Pierogi with mushrooms", unit_price=Decimal("30.00")),
        Product(
            id="ruskie", name="Pierogi ruskie (quark and potatoes)", unit_price=Decimal("28.00")
        ),
        Product(id="swiss-cheese", name="Pierogi with Swiss cheese", unit_price=Decimal("31.00")),
        Product(id="strawberry", name="Pierogi with strawberries", unit_price=Decimal("29.00")),
    )
}


def find_product(product_id: str) -> Product | None:
    return MENU.get(product_id)
