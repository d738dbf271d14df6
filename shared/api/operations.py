"""What each HTTP function does, for the OpenAPI description.

Keyed by function (folder) name: the method and route come from that folder's function.json,
the schemas from the models the endpoints parse and serialise with, the problem types from the
catalogue the endpoints refuse with. Only what the code cannot say is written here: summaries,
which responses an operation gives, and how operations link to each other.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from shared.api import problem_types as types
from shared.api.problem_types import ProblemType
from shared.api.requests import AddItemRequest, CreateCartRequest
from shared.api.responses import (
    CartPage,
    HealthReport,
    PendingOrderStatus,
    SubmissionAccepted,
)
from shared.domain.cart import ShoppingCart
from shared.domain.menu import Product
from shared.domain.order import Order

# Response headers, by name (see openapi.HEADERS for their descriptions).
ETAG = "ETag"
LOCATION = "Location"
RETRY_AFTER = "Retry-After"
CORRELATION_ID = "X-Correlation-Id"
CACHE_CONTROL = "Cache-Control"


@dataclass(frozen=True)
class Success:
    description: str
    model: type[BaseModel] | None = None  # the body, as this model serialises
    many: bool = False  # a JSON array of ``model``
    headers: tuple[str, ...] = ()
    # Link name -> (target operation id, its parameters as runtime expressions).
    links: Mapping[str, tuple[str, Mapping[str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    tag: str
    successes: Mapping[int, Success]
    problems: tuple[ProblemType, ...] = ()
    request_body: type[BaseModel] | None = None
    body_required: bool = True
    # Query parameters: name -> JSON schema and description.
    query: Mapping[str, tuple[dict[str, object], str]] = field(default_factory=dict)
    if_match: bool = False
    correlation_id: bool = False


_CART_IN_PATH = {"path.customer": "$request.path.customer", "path.cartId": "$request.path.cartId"}
_NEW_CART = {"path.customer": "$request.path.customer", "path.cartId": "$response.body#/id"}
_CART_LINKS = {
    "GetShoppingCart": ("getShoppingCart", _CART_IN_PATH),
    "AddCartItem": ("addCartItem", {**_CART_IN_PATH, "header.If-Match": "$response.header.ETag"}),
    "SubmitOrder": ("submitOrder", {**_CART_IN_PATH, "header.If-Match": "$response.header.ETag"}),
}
# Every customers/{customer}/... operation: which shopper the request acts for
# (shared/api/shoppers.py).
_SHOPPER = (
    types.INVALID_CUSTOMER,
    types.ME_WITHOUT_AUTHENTICATION,
    types.UNAUTHENTICATED,
    types.NO_SHOPPER_IDENTITY,
    types.CUSTOMER_NOT_FOUND,
)
_BODY = (types.PAYLOAD_TOO_LARGE, types.UNSUPPORTED_MEDIA_TYPE, types.MALFORMED_BODY)
_CART = (*_SHOPPER, types.INVALID_ID, types.CART_NOT_FOUND)
_CHANGE = (types.CART_ALREADY_ORDERED, types.STALE_ETAG, types.CART_BUSY)

OPERATIONS: dict[str, Operation] = {
    "GetProducts": Operation(
        "listProducts",
        "The menu, with server-side prices",
        "products",
        {200: Success("Every product on the menu.", Product, many=True, headers=(CACHE_CONTROL,))},
    ),
    "CreateShoppingCart": Operation(
        "createShoppingCart",
        "Open a new, empty shopping cart",
        "carts",
        {
            201: Success(
                "The new cart; its URL is in Location.",
                ShoppingCart,
                headers=(ETAG, LOCATION),
                links={
                    "GetShoppingCart": ("getShoppingCart", _NEW_CART),
                    "AddCartItem": (
                        "addCartItem",
                        {**_NEW_CART, "header.If-Match": "$response.header.ETag"},
                    ),
                },
            )
        },
        (*_SHOPPER, *_BODY, types.INVALID_BODY),
        request_body=CreateCartRequest,
        body_required=False,
    ),
    "GetShoppingCarts": Operation(
        "listShoppingCarts",
        "The customer's carts, newest first, a page at a time",
        "carts",
        {200: Success("One page of carts.", CartPage)},
        (*_SHOPPER, types.INVALID_QUERY, types.INVALID_CONTINUATION_TOKEN),
        query={
            "limit": (
                {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                "Carts per page.",
            ),
            "ordered": (
                {"type": "string", "enum": ["true", "false"]},
                "Only ordered (true) or only open (false) carts.",
            ),
            "continuationToken": (
                {"type": "string", "maxLength": 4096},
                "The continuationToken of the previous page.",
            ),
        },
    ),
    "GetShoppingCart": Operation(
        "getShoppingCart",
        "One shopping cart, with its ETag",
        "carts",
        {200: Success("The cart.", ShoppingCart, headers=(ETAG,), links=_CART_LINKS)},
        _CART,
    ),
    "AddCartItem": Operation(
        "addCartItem",
        "Add portions of a product to a cart",
        "carts",
        {
            200: Success(
                "The cart with the line added or grown.",
                ShoppingCart,
                headers=(ETAG,),
                links={
                    **_CART_LINKS,
                    "RemoveCartItem": (
                        "removeCartItem",
                        {**_CART_IN_PATH, "path.productId": "$request.body#/productId"},
                    ),
                },
            )
        },
        (
            *_CART,
            *_BODY,
            types.INVALID_BODY,
            types.UNKNOWN_PRODUCT,
            types.QUANTITY_OUT_OF_RANGE,
            *_CHANGE,
        ),
        request_body=AddItemRequest,
        if_match=True,
    ),
    "RemoveCartItem": Operation(
        "removeCartItem",
        "Remove a product's line from a cart",
        "carts",
        {200: Success("The cart without the line.", ShoppingCart, headers=(ETAG,))},
        (*_CART, types.INVALID_PRODUCT_ID, types.ITEM_NOT_IN_CART, *_CHANGE),
        if_match=True,
    ),
    "HttpSubmitOrder": Operation(
        "submitOrder",
        "Submit a cart for ordering (again: the same order)",
        "orders",
        {
            202: Success(
                "Accepted: the order is being placed; poll Location after Retry-After seconds.",
                SubmissionAccepted,
                headers=(LOCATION, RETRY_AFTER, CORRELATION_ID),
                links={
                    "GetOrder": (
                        "getOrder",
                        {
                            "path.customer": "$request.path.customer",
                            "path.orderId": "$response.body#/orderId",
                        },
                    )
                },
            )
        },
        (*_CART, types.EMPTY_CART, *_CHANGE),
        if_match=True,
        correlation_id=True,
    ),
    "GetOrder": Operation(
        "getOrder",
        "An order: placed (200) or still being placed (202)",
        "orders",
        {
            200: Success("The placed order.", Order),
            202: Success(
                "The order is still being placed; poll again after Retry-After seconds.",
                PendingOrderStatus,
                headers=(RETRY_AFTER,),
            ),
        },
        (*_SHOPPER, types.INVALID_ID, types.ORDER_NOT_FOUND),
    ),
    "GetHealth": Operation(
        "getHealth",
        "Whether the store and the queue are reachable (for probes; never cached)",
        "meta",
        {200: Success("Both are reachable.", HealthReport, headers=(CACHE_CONTROL,))},
        (types.UNHEALTHY,),
    ),
    "GetOpenApiDocument": Operation(
        "getOpenApiDocument",
        "This description of the API (OpenAPI 3.1)",
        "meta",
        {200: Success("The OpenAPI document.")},
    ),
}
