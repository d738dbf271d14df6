"""Calling the function folders' entry points with real azure.functions objects."""

import json
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
from azure.functions import servicebus

import AddCartItem
import CreateShoppingCart
import GetOrder
import GetProducts
import GetShoppingCart
import GetShoppingCarts
import HttpSubmitOrder
import RemoveCartItem
from local_host.service_bus_message import to_function_message
from shared import bootstrap
from shared.adapters.sqlite_queue import SqliteQueue

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


async def new_cart(customer: str = "anna") -> str:
    response = await create_cart(customer)
    assert response.status_code == 201
    cart_id: str = json_of(response)["id"]
    return cart_id


def assert_problem(response: object, status: int) -> dict[str, object]:
    assert hasattr(response, "status_code")
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    problem: dict[str, object] = json_of(response)  # type: ignore[arg-type]
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    return problem


def app_queue() -> SqliteQueue:
    """The application's embedded queue (the SubmitOrder queue)."""
    sender = bootstrap.application().sender
    assert isinstance(sender, SqliteQueue)
    return sender


async def submitted_cart(customer: str = "anna") -> str:
    """A cart of three plates, 93.00 PLN, submitted: its SubmitOrder message is in the queue."""
    cart_id: str = json_of(await create_cart(customer))["id"]
    await add_item(customer, cart_id, "meat", 2)
    await add_item(customer, cart_id, "strawberry", 1)
    assert (await submit(customer, cart_id)).status_code == 202
    return cart_id


async def next_message() -> func.ServiceBusMessage:
    """The next queued message, completed, as the queue trigger would get it."""
    queue = app_queue()
    received = await queue.receive(1)
    assert len(received) == 1
    await queue.complete(received[0])
    return to_function_message(received[0])


def service_bus_message(body: bytes, delivery_count: int = 1) -> func.ServiceBusMessage:
    """A message with this body as the queue trigger gets it (message id ``poison-1``)."""
    return servicebus.ServiceBusMessage(
        body=body,
        message_id="poison-1",
        application_properties={},
        user_properties={},
        delivery_count=delivery_count,
        enqueued_time_utc=datetime.now(UTC),
    )
