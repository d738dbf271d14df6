"""Calling the function folders' entry points with real azure.functions objects."""

import json
from typing import Any

import azure.functions as func

import AddCartItem
import CreateShoppingCart
import GetOrder
import GetProducts
import GetShoppingCart
import GetShoppingCarts
import HttpSubmitOrder
import RemoveCartItem

BASE = "http://localhost:7071/api"


def http_request(
    method: str,
    path: str,
    route_params: dict[str, str],
    *,
    body: bytes = b"",
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> func.HttpRequest:
    return func.HttpRequest(
        method=method,
        url=f"{BASE}/{path}",
        headers=headers or {},
        params=params or {},
        route_params=route_params,
        body=body,
    )


def json_of(response: func.HttpResponse) -> Any:
    return json.loads(response.get_body())


async def list_products() -> func.HttpResponse:
    return await GetProducts.main(http_request("GET", "products", {}))


async def create_cart(customer: str, body: bytes = b"") -> func.HttpResponse:
    return await CreateShoppingCart.main(
        http_request("POST", f"customers/{customer}/carts", {"customer": customer}, body=body)
    )


async def get_cart(customer: str, cart_id: str) -> func.HttpResponse:
    route = {"customer": customer, "cartId": cart_id}
    return await GetShoppingCart.main(
        http_request("GET", f"customers/{customer}/carts/{cart_id}", route)
    )


async def list_carts(customer: str, **params: str) -> func.HttpResponse:
    return await GetShoppingCarts.main(
        http_request("GET", f"customers/{customer}/carts", {"customer": customer}, params=params)
    )


async def add_item_raw(
    customer: str, cart_id: str, body: bytes, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    route = {"customer": customer, "cartId": cart_id}
    return await AddCartItem.main(
        http_request(
            "POST",
            f"customers/{customer}/carts/{cart_id}/items",
            route,
            body=body,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
    )


async def add_item(
    customer: str, cart_id: str, product_id: str, quantity: int
) -> func.HttpResponse:
    body = json.dumps({"productId": product_id, "quantity": quantity}).encode()
    return await add_item_raw(customer, cart_id, body)


async def remove_item(customer: str, cart_id: str, product_id: str) -> func.HttpResponse:
    route = {"customer": customer, "cartId": cart_id, "productId": product_id}
    path = f"customers/{customer}/carts/{cart_id}/items/{product_id}"
    return await RemoveCartItem.main(http_request("DELETE", path, route))


async def submit(
    customer: str, cart_id: str, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    route = {"customer": customer, "cartId": cart_id}
    path = f"customers/{customer}/carts/{cart_id}/submit"
    return await HttpSubmitOrder.main(http_request("POST", path, route, headers=headers))


async def get_order(customer: str, order_id: str) -> func.HttpResponse:
    route = {"customer": customer, "orderId": order_id}
    return await GetOrder.main(
        http_request("GET", f"customers/{customer}/orders/{order_id}", route)
    )
