"""docs/capacity.md derives Azure capacity from what one order costs; its inputs stay measured.

The document's two input tables (operations per order, document sizes) are read back and
compared with what one order driven through the real composition root counts and measures, so
that a change adding a round trip or growing a document fails here until the derivation is
redone.
"""

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.api.validation import CUSTOMER_PATTERN
from shared.domain.cart import ShoppingCart
from shared.domain.cart_item import MAX_LINE_QUANTITY
from shared.domain.menu import MENU
from shared.services.outbox import outgoing_message
from tests.integration.order_operations import OrderOperations, by_kind, count_one_order

CAPACITY = Path(__file__).resolve().parents[2] / "docs" / "capacity.md"
HOST_JSON = Path(__file__).resolve().parents[2] / "host.json"
# A size stays "in step" while the document's figure is within this share of the measured one.
SIZE_TOLERANCE = 0.05


def section_rows(heading: str) -> list[list[str]]:
    """The data rows of every table in the section under ``## heading``, as lists of cells."""
    text = CAPACITY.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def documented_operations() -> dict[str, tuple[int, int, int, int]]:
    return {
        row[0]: (int(row[1]), int(row[2]), int(row[3]), int(row[4]))
        for row in section_rows("Input 1: operations per order (counted)")
        if len(row) == 6 and row[1].isdigit()
    }


def documented_value(name: str) -> int:
    rows = section_rows("Input 1: operations per order (counted)")
    (value,) = (int(row[1]) for row in rows if len(row) == 2 and row[0] == name)
    return value


def documented_sizes() -> dict[str, int]:
    return {
        row[0]: int(row[1])
        for row in section_rows("Input 2: document sizes (measured)")
        if len(row) > 1 and row[1].isdigit()
    }


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> OrderOperations:
    monkeypatch = pytest.MonkeyPatch()
    try:
        return asyncio.run(count_one_order(tmp_path_factory.mktemp("order"), monkeypatch))
    finally:
        monkeypatch.undo()


def test_the_operations_per_order_are_the_counted_ones(counted: OrderOperations) -> None:
    per_order = counted.create_cart + counted.add_items + counted.submit + counted.handler
    assert documented_operations() == {
        "create cart": by_kind(counted.create_cart),
        "add item (three times)": by_kind(counted.add_items),
        "submit": by_kind(counted.submit),
        "order handler": by_kind(counted.handler),
        "per order": by_kind(per_order),
    }


def test_the_messages_and_executions_per_order_are_the_counted_ones(
    counted: OrderOperations,
) -> None:
    assert documented_value("Service Bus messages sent") == counted.messages_sent
    assert documented_value("function executions") == counted.function_executions
    # Three Service Bus operations per message hold while the trigger completes each message
    # itself and receives without prefetching.
    service_bus = json.loads(HOST_JSON.read_text(encoding="utf-8"))["extensions"]["serviceBus"]
    assert service_bus["autoCompleteMessages"] is True
    assert service_bus["prefetchCount"] == 0


def test_the_request_units_add_up() -> None:
    rows = section_rows("Input 1: operations per order (counted)")
    charges = {row[0]: float(row[5]) for row in rows if len(row) == 6 and row[1].isdigit()}
    steps = sum(charge for step, charge in charges.items() if step != "per order")
    assert charges["per order"] == pytest.approx(steps, abs=0.005)


def test_the_document_sizes_are_the_measured_ones(counted: OrderOperations) -> None:
    measured = {
        "cart just created": counted.new_cart_bytes,
        "cart with three lines": counted.open_cart_bytes,
        "submitted cart (with its outbox entry)": counted.cart_bytes,
        "order": counted.order_bytes,
        "SubmitOrder message body": counted.message_bytes,
        "SubmitOrder message body, the largest cart": len(largest_message_body()),
    }
    documented = documented_sizes()
    assert documented.keys() == measured.keys()
    for document, size in measured.items():
        assert abs(documented[document] - size) <= SIZE_TOLERANCE * size, (document, size)


def largest_message_body() -> bytes:
    """The body of the largest SubmitOrder a shopper can cause: every product, 99 of each."""
    longest_customer = "c" * 64
    assert CUSTOMER_PATTERN.fullmatch(longest_customer)
    assert not CUSTOMER_PATTERN.fullmatch(longest_customer + "c")
    now = datetime.now(UTC)
    cart = ShoppingCart(
        id="3f0c7a52-9d1e-4b8a-a6f3-2c5e8d9b1a47",
        customer=longest_customer,
        created_at=now,
        updated_at=now,
    )
    for product in MENU.values():
        cart.add_item(product, MAX_LINE_QUANTITY, now)
    cart.submit("correlation-1", now)
    assert cart.outbox is not None
    return outgoing_message(cart.outbox).body
