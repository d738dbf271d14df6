"""shared/api/products.py: the menu, through its function folder."""

import pytest

from tests.integration import function_calls as api
from tests.integration.function_calls import json_of

pytestmark = pytest.mark.usefixtures("app_settings")


async def test_products_are_the_five_fillings_with_prices_in_pln() -> None:
    products = json_of(await api.list_products())
    assert {p["id"] for p in products} == {
        "meat",
        "mushrooms",
        "ruskie",
        "swiss-cheese",
        "strawberry",
    }
    assert all(p["currency"] == "PLN" and p["unitPrice"] for p in products)
