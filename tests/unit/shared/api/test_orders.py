"""shared/api/orders.py: submitting a cart and reading its order, through the function folders
with real azure.functions requests on real SQLite."""

import asyncio

import pytest

from tests.integration import function_calls as api
from tests.integration.function_calls import assert_problem, json_of, new_cart

pytestmark = pytest.mark.usefixtures("app_settings")


async def test_an_empty_cart_cannot_be_submitted() -> None:
    cart_id = await new_cart()
    assert_problem(await api.submit("anna", cart_id), 422)
    assert json_of(await api.get_cart("anna", cart_id))["ordered"] is False


async def test_submitting_answers_202_with_the_order_location() -> None:
    cart_id = await new_cart()
    await api.add_item("anna", cart_id, "strawberry", 2)
    response = await api.submit("anna", cart_id, {"X-Correlation-Id": "trace-42"})
    assert response.status_code == 202
    assert json_of(response) == {"orderId": cart_id, "cartId": cart_id, "status": "pending"}
    assert response.headers["Location"] == f"/api/customers/anna/orders/{cart_id}"
    assert response.headers["X-Correlation-Id"] == "trace-42"
    cart = json_of(await api.get_cart("anna", cart_id))
    assert cart["ordered"] is True
    assert cart["orderId"] == cart_id
    pending = await api.get_order("anna", cart_id)
    assert pending.status_code == 202
    assert pending.headers["Retry-After"] == "1"
    assert json_of(pending) == {"orderId": cart_id, "status": "pending"}


async def test_resubmitting_a_cart_returns_the_same_order() -> None:
    cart_id = await new_cart()
    await api.add_item("anna", cart_id, "meat", 1)
    first = json_of(await api.submit("anna", cart_id))
    second = await api.submit("anna", cart_id)
    assert second.status_code == 202
    assert json_of(second) == first


async def test_twenty_concurrent_submits_give_one_order_id() -> None:
    cart_id = await new_cart()
    await api.add_item("anna", cart_id, "ruskie", 5)
    responses = await asyncio.gather(*(api.submit("anna", cart_id) for _ in range(20)))
    assert {r.status_code for r in responses} == {202}
    assert {json_of(r)["orderId"] for r in responses} == {cart_id}
