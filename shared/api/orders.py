"""Submitting a cart and reading the order it becomes."""

from shared.api.http import (
    ROUTE_PREFIX,
    ApiResponse,
    HttpRequestLike,
    json_response,
    parse_if_match,
)
from shared.api.problems import endpoint
from shared.api.responses import PendingOrderStatus, SubmissionAccepted
from shared.api.shoppers import customer_for_request
from shared.api.validation import correlation_id, uuid_from_route
from shared.bootstrap import Application
from shared.services.order_queries import PendingOrder

# How long a client should wait before polling a pending order again.
RETRY_AFTER_SECONDS = "1"


def order_location(customer: str, order_id: str) -> str:
    return f"{ROUTE_PREFIX}/customers/{customer}/orders/{order_id}"


@endpoint
async def submit_order(request: HttpRequestLike, app: Application) -> ApiResponse:
    """Accept the cart for ordering (202): saves it with its SubmitOrder message, then sends the
    message; ProcessSubmitOrder places the order."""
    customer = customer_for_request(request, app.authentication)
    cart_id = uuid_from_route(request, "cartId")
    correlation = correlation_id(request)
    receipt = await app.submissions.submit(customer, cart_id, correlation, parse_if_match(request))
    accepted = SubmissionAccepted(
        order_id=receipt.order_id, cart_id=receipt.cart_id, status=receipt.status
    )
    return json_response(
        202,
        accepted.model_dump(mode="json", by_alias=True),
        {
            "Location": order_location(customer, receipt.order_id),
            "Retry-After": RETRY_AFTER_SECONDS,
            "X-Correlation-Id": correlation,
        },
    )


@endpoint
async def get_order(request: HttpRequestLike, app: Application) -> ApiResponse:
    customer = customer_for_request(request, app.authentication)
    order_id = uuid_from_route(request, "orderId")
    status = await app.order_queries.order_status(customer, order_id)
    if isinstance(status, PendingOrder):
        pending = PendingOrderStatus(order_id=status.order_id, status="pending")
        return json_response(
            202,
            pending.model_dump(mode="json", by_alias=True),
            {"Retry-After": RETRY_AFTER_SECONDS},
        )
    return json_response(200, status.to_api())
