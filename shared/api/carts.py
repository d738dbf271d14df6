"""Shopping cart endpoints."""

from shared.api.http import (
    ROUTE_PREFIX,
    ApiResponse,
    HttpRequestLike,
    etag_header,
    json_response,
    parse_if_match,
)
from shared.api.problems import endpoint
from shared.api.requests import AddItemRequest, CreateCartRequest
from shared.api.responses import CartPage
from shared.api.shoppers import customer_for_request
from shared.api.validation import (
    json_body,
    product_id_from_route,
    query_bool,
    query_continuation_token,
    query_int,
    uuid_from_route,
)
from shared.bootstrap import Application
from shared.domain.cart import ShoppingCart
from shared.repositories import Versioned

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def cart_location(cart: ShoppingCart) -> str:
    return f"{ROUTE_PREFIX}/customers/{cart.customer}/carts/{cart.id}"


def cart_response(status: int, saved: Versioned[ShoppingCart]) -> ApiResponse:
    return json_response(status, saved.value.to_api(), {"ETag": etag_header(saved.etag)})


@endpoint
async def create_cart(request: HttpRequestLike, app: Application) -> ApiResponse:
    customer = customer_for_request(request, app.authentication)
    if request.get_body().strip():
        json_body(request, CreateCartRequest)
    saved = await app.carts.create_cart(customer)
    response = cart_response(201, saved)
    response.headers["Location"] = cart_location(saved.value)
    return response


@endpoint
async def get_cart(request: HttpRequestLike, app: Application) -> ApiResponse:
    customer = customer_for_request(request, app.authentication)
    cart_id = uuid_from_route(request, "cartId")
    return cart_response(200, await app.carts.get_cart(customer, cart_id))


@endpoint
async def list_carts(request: HttpRequestLike, app: Application) -> ApiResponse:
    customer = customer_for_request(request, app.authentication)
    limit = query_int(request, "limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    ordered = query_bool(request, "ordered")
    token = query_continuation_token(request)
    page = await app.carts.list_carts(
        customer, ordered=ordered, limit=limit, continuation_token=token
    )
    return json_response(
        200, CartPage(carts=page.carts, continuation_token=page.continuation_token).to_api()
    )


@endpoint
async def add_item(request: HttpRequestLike, app: Application) -> ApiResponse:
    customer = customer_for_request(request, app.authentication)
    cart_id = uuid_from_route(request, "cartId")
    item = json_body(request, AddItemRequest)
    saved = await app.carts.add_item(
        customer, cart_id, item.product_id, item.quantity, parse_if_match(request)
    )
    return cart_response(200, saved)


@endpoint
async def remove_item(request: HttpRequestLike, app: Application) -> ApiResponse:
    customer = customer_for_request(request, app.authentication)
    cart_id = uuid_from_route(request, "cartId")
    product_id = product_id_from_route(request)
    saved = await app.carts.remove_item(customer, cart_id, product_id, parse_if_match(request))
    return cart_response(200, saved)
