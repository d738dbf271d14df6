"""The shopping cart's rules, without any storage."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from shared.domain.cart import ShoppingCart
from shared.domain.cart_item import MIN_LINE_QUANTITY, CartItem, lines_total
from shared.domain.errors import CartAlreadyOrdered, EmptyCart, ItemNotInCart, QuantityOutOfRange
from shared.domain.menu import MENU
from shared.domain.submit_order import SubmitOrder

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def new_cart() -> ShoppingCart:
    return ShoppingCart(id="cart-1", customer="anna", created_at=NOW, updated_at=NOW)


def test_adding_the_same_product_twice_adds_to_the_existing_line() -> None:
    cart = new_cart()
    cart.add_item(MENU["meat"], 2, NOW)
    cart.add_item(MENU["meat"], 3, NOW)
    assert [(item.product_id, item.quantity) for item in cart.items] == [("meat", 5)]


def test_totals_use_menu_prices_in_exact_decimal() -> None:
    cart = new_cart()
    cart.add_item(MENU["ruskie"], 3, NOW)  # 3 x 28.00
    cart.add_item(MENU["strawberry"], 1, NOW)  # 1 x 29.00
    assert cart.items[0].line_total == Decimal("84.00")
    assert cart.total == Decimal("113.00")
    assert cart.to_api()["total"] == "113.00"


@pytest.mark.parametrize(("first", "second"), [(99, 1), (50, 50)])
def test_a_line_never_holds_more_than_99(first: int, second: int) -> None:
    cart = new_cart()
    cart.add_item(MENU["meat"], first, NOW)
    with pytest.raises(QuantityOutOfRange):
        cart.add_item(MENU["meat"], second, NOW)
    assert cart.items[0].quantity == first


def test_removing_a_product_not_in_the_cart_is_refused() -> None:
    with pytest.raises(ItemNotInCart):
        new_cart().remove_item("meat", NOW)


def test_an_empty_cart_cannot_be_submitted() -> None:
    cart = new_cart()
    with pytest.raises(EmptyCart):
        cart.submit("corr-1", NOW)
    assert not cart.ordered
    assert cart.outbox is None


def test_submitting_flags_the_cart_and_records_the_message_in_the_outbox() -> None:
    cart = new_cart()
    cart.add_item(MENU["mushrooms"], 2, NOW)
    message = cart.submit("corr-1", NOW)
    assert cart.ordered
    assert cart.order_id == cart.id == message.order_id
    assert cart.outbox is not None
    assert cart.outbox.status == "pending"
    assert cart.outbox.message == message
    assert cart.outbox.message_id == f"submit-order-{cart.id}"
    assert message.total == Decimal("60.00")


def test_an_ordered_cart_can_no_longer_change() -> None:
    cart = new_cart()
    cart.add_item(MENU["meat"], 1, NOW)
    cart.submit("corr-1", NOW)
    with pytest.raises(CartAlreadyOrdered):
        cart.add_item(MENU["meat"], 1, NOW)
    with pytest.raises(CartAlreadyOrdered):
        cart.remove_item("meat", NOW)
    with pytest.raises(CartAlreadyOrdered):
        cart.submit("corr-2", NOW)


def test_the_api_view_hides_the_outbox_and_uses_camel_case() -> None:
    cart = new_cart()
    cart.add_item(MENU["meat"], 1, NOW)
    cart.submit("corr-1", NOW)
    view = cart.to_api()
    assert "outbox" not in view
    assert view["orderId"] == "cart-1"
    assert view["items"] == [
        {
            "productId": "meat",
            "name": "Pierogi with meat",
            "quantity": 1,
            "unitPrice": "32.00",
            "lineTotal": "32.00",
        }
    ]


def test_a_stored_cart_round_trips_through_its_document() -> None:
    cart = new_cart()
    cart.add_item(MENU["swiss-cheese"], 4, NOW)
    cart.submit("corr-1", NOW)
    document = cart.model_dump(mode="json", by_alias=True)
    assert ShoppingCart.model_validate(document) == cart


def test_the_submit_order_message_round_trips_as_json() -> None:
    cart = new_cart()
    cart.add_item(MENU["meat"], 2, NOW)
    message = cart.submit("corr-1", NOW)
    assert SubmitOrder.model_validate_json(message.model_dump_json(by_alias=True)) == message


def test_a_submit_order_carries_the_total_of_its_lines_as_the_cart_counts_it() -> None:
    # One rule for both: a price with a half grosz rounds the line, then the lines are summed.
    items = [
        CartItem(product_id="a", name="A", quantity=3, unit_price=Decimal("0.335")),
        CartItem(product_id="b", name="B", quantity=1, unit_price=Decimal("0.005")),
    ]
    cart = new_cart().model_copy(update={"items": items})
    assert cart.total == lines_total(items) == Decimal("1.02")  # 1.01 + 0.01
    message = cart.submit("corr-1", NOW)
    assert message.total == cart.total
    document = message.model_dump(mode="json", by_alias=True)
    with pytest.raises(ValidationError, match=r"is not the sum of the lines, 1\.02"):
        SubmitOrder.model_validate({**document, "total": "1.01"})
    zero = {**document["items"][0], "quantity": MIN_LINE_QUANTITY - 1}
    with pytest.raises(ValidationError, match=f"at least {MIN_LINE_QUANTITY}"):
        SubmitOrder.model_validate({**document, "items": [zero]})


def test_stored_timestamps_are_fixed_width_so_they_sort_as_strings() -> None:
    on_the_second = datetime(2026, 11, 28, 12, 0, 5, tzinfo=UTC)
    half_a_second_later = datetime(2026, 11, 28, 12, 0, 5, 500000, tzinfo=UTC)
    first = ShoppingCart(id="a", customer="anna", created_at=on_the_second, updated_at=NOW)
    second = ShoppingCart(id="b", customer="anna", created_at=half_a_second_later, updated_at=NOW)
    stored = [c.model_dump(mode="json", by_alias=True)["createdAt"] for c in (first, second)]
    assert stored == ["2026-11-28T12:00:05.000000Z", "2026-11-28T12:00:05.500000Z"]
    assert sorted(stored) == stored
    assert ShoppingCart.model_validate(first.model_dump(mode="json", by_alias=True)) == first
