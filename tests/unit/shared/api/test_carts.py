"""shared/api/carts.py: the cart endpoints, called through their function folders with real
azure.functions requests on real SQLite."""

import asyncio
import json
import uuid

import pytest

from tests.integration import function_calls as api
from tests.integration.function_calls import assert_problem, json_of, new_cart

pytestmark = pytest.mark.usefixtures("app_settings")


async def test_a_new_cart_is_empty_with_location_and_etag() -> None:
    response = await api.create_cart("anna")
    cart = json_of(response)
    assert response.status_code == 201
    assert response.headers["Location"] == f"/api/customers/anna/carts/{cart['id']}"
    assert response.headers["ETag"]
    assert cart["items"] == []
    assert cart["total"] == "0.00"
    assert cart["ordered"] is False


@pytest.mark.parametrize("customer", ["", "a" * 65, "anna smith", "anna/x", "żaneta", "a;b"])
async def test_a_bad_customer_handle_is_a_400(customer: str) -> None:
    assert_problem(await api.create_cart(customer), 400)


async def test_adding_items_accumulates_and_prices_server_side() -> None:
    cart_id = await new_cart()
    await api.add_item("anna", cart_id, "meat", 2)
    response = await api.add_item("anna", cart_id, "meat", 1)
    cart = json_of(response)
    assert response.status_code == 200
    assert cart["items"][0]["quantity"] == 3
    assert cart["total"] == "96.00"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"\xff\xfe{}", 400),
        (b'{"productId": "meat", "quantity": NaN}', 400),
        (b"[" * 5000 + b"]" * 5000, 400),
        (b'{"productId": "ruskie", "quantity": 1, "productId": "meat"}', 400),
        (b"[]", 422),
        (b'"meat"', 422),
        (b'{"productId": "meat"}', 422),
        (b'{"productId": "meat", "quantity": 2.5}', 422),
        (b'{"productId": "meat", "quantity": "2"}', 422),
        (b'{"productId": "meat", "quantity": true}', 422),
        (b'{"productId": "meat", "quantity": 0}', 422),
        (b'{"productId": "meat", "quantity": 100}', 422),
        (b'{"productId": "meat", "quantity": 1, "unitPrice": "0.01"}', 422),
        (b'{"productId": "caviar", "quantity": 1}', 422),
        (b'{"productId": "' + b"m" * 100 + b'", "quantity": 1}', 422),
        (b'{"productId": "meat", "quantity": 1, "pad": "' + b"x" * 70_000 + b'"}', 413),
    ],
)
async def test_bad_item_bodies_get_a_4xx_problem_and_change_nothing(
    body: bytes, status: int
) -> None:
    cart_id = await new_cart()
    before = await api.get_cart("anna", cart_id)
    assert_problem(await api.add_item_raw("anna", cart_id, body), status)
    after = await api.get_cart("anna", cart_id)
    assert after.headers["ETag"] == before.headers["ETag"]
    assert json_of(after)["items"] == []


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/json; charset=latin-1", "application/xml"]
)
async def test_a_body_that_is_not_utf8_json_by_its_content_type_is_a_415(
    content_type: str,
) -> None:
    cart_id = await new_cart()
    body = b'{"productId": "meat", "quantity": 1}'
    response = await api.add_item_raw("anna", cart_id, body, {"Content-Type": content_type})
    assert_problem(response, 415)


async def test_utf8_json_with_a_charset_parameter_is_accepted() -> None:
    cart_id = await new_cart()
    body = b'{"productId": "meat", "quantity": 1}'
    headers = {"Content-Type": 'application/json; charset="UTF-8"'}
    assert (await api.add_item_raw("anna", cart_id, body, headers)).status_code == 200


async def test_a_line_over_99_is_refused_and_keeps_the_line() -> None:
    cart_id = await new_cart()
    await api.add_item("anna", cart_id, "meat", 99)
    assert_problem(await api.add_item("anna", cart_id, "meat", 1), 422)
    assert json_of(await api.get_cart("anna", cart_id))["items"][0]["quantity"] == 99


async def test_another_customers_cart_is_not_found() -> None:
    cart_id = await new_cart("anna")
    assert_problem(await api.get_cart("bartek", cart_id), 404)
    assert_problem(await api.add_item("bartek", cart_id, "meat", 1), 404)
    assert_problem(await api.submit("bartek", cart_id), 404)


@pytest.mark.parametrize(
    "cart_id", ["nope", "1234", "5A951CBA-F3A0-4919-A31F-30198C6DC7C8", "../x"]
)
async def test_a_malformed_cart_id_is_a_400(cart_id: str) -> None:
    assert_problem(await api.get_cart("anna", cart_id), 400)


async def test_an_unknown_cart_is_a_404() -> None:
    assert_problem(await api.get_cart("anna", str(uuid.uuid4())), 404)


async def test_removing_an_item() -> None:
    cart_id = await new_cart()
    await api.add_item("anna", cart_id, "meat", 2)
    await api.add_item("anna", cart_id, "ruskie", 1)
    response = await api.remove_item("anna", cart_id, "meat")
    assert response.status_code == 200
    assert [i["productId"] for i in json_of(response)["items"]] == ["ruskie"]
    assert_problem(await api.remove_item("anna", cart_id, "meat"), 404)
    assert_problem(await api.remove_item("anna", cart_id, "Not_A_Product!"), 400)


async def test_an_ordered_cart_refuses_changes_with_409() -> None:
    cart_id = await new_cart()
    await api.add_item("anna", cart_id, "meat", 1)
    await api.submit("anna", cart_id)
    assert_problem(await api.add_item("anna", cart_id, "meat", 1), 409)
    assert_problem(await api.remove_item("anna", cart_id, "meat"), 409)


async def test_concurrent_item_additions_are_never_lost() -> None:
    cart_id = await new_cart()
    await asyncio.gather(*(api.add_item("anna", cart_id, "meat", 1) for _ in range(15)))
    assert json_of(await api.get_cart("anna", cart_id))["items"][0]["quantity"] == 15


async def test_a_stale_if_match_is_a_412_and_a_current_one_succeeds() -> None:
    cart_id = await new_cart()
    stale = (await api.get_cart("anna", cart_id)).headers["ETag"]
    await api.add_item("anna", cart_id, "meat", 1)
    body = json.dumps({"productId": "meat", "quantity": 1}).encode()
    assert_problem(await api.add_item_raw("anna", cart_id, body, {"If-Match": stale}), 412)
    current = (await api.get_cart("anna", cart_id)).headers["ETag"]
    response = await api.add_item_raw("anna", cart_id, body, {"If-Match": current})
    assert response.status_code == 200
    assert_problem(await api.submit("anna", cart_id, {"If-Match": current}), 412)


async def test_listing_carts_pages_newest_first_and_filters_by_ordered() -> None:
    ids = [await new_cart("celina") for _ in range(5)]
    await api.add_item("celina", ids[0], "meat", 1)
    await api.submit("celina", ids[0])
    first = json_of(await api.list_carts("celina", limit="2"))
    assert [c["id"] for c in first["carts"]] == [ids[4], ids[3]]
    seen = [c["id"] for c in first["carts"]]
    token = first["continuationToken"]
    while token:
        page = json_of(await api.list_carts("celina", limit="2", continuationToken=token))
        seen += [c["id"] for c in page["carts"]]
        token = page["continuationToken"]
    assert seen == list(reversed(ids))
    ordered = json_of(await api.list_carts("celina", ordered="true"))
    assert [c["id"] for c in ordered["carts"]] == [ids[0]]
    open_carts = json_of(await api.list_carts("celina", ordered="false"))
    assert len(open_carts["carts"]) == 4
    assert json_of(await api.list_carts("dorota")) == {"carts": [], "continuationToken": None}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"limit": "-1"},
        {"limit": "9" * 5000},
        {"limit": "٣"},
        {"ordered": "yes"},
        {"continuationToken": "not-a-token"},
        {"continuationToken": "x" * 5000},
    ],
)
async def test_a_bad_list_query_is_a_400(params: dict[str, str]) -> None:
    assert_problem(await api.list_carts("anna", **params), 400)


@pytest.mark.parametrize(
    ("if_match", "status"),
    [
        ("{current}", 200),
        ('"other", {current}', 200),
        ("*", 200),
        ("W/{current}", 412),
        ('"other"', 412),
        ("", 200),
    ],
)
async def test_if_match_uses_the_strong_comparison_over_a_list_of_etags(
    if_match: str, status: int
) -> None:
    cart_id = await new_cart()
    current = (await api.get_cart("anna", cart_id)).headers["ETag"]
    body = json.dumps({"productId": "meat", "quantity": 1}).encode()
    headers = {"If-Match": if_match.format(current=current)}
    response = await api.add_item_raw("anna", cart_id, body, headers)
    assert response.status_code == status
    expected_items = 1 if status == 200 else 0
    assert len(json_of(await api.get_cart("anna", cart_id))["items"]) == expected_items
