"""Every refusal becomes an RFC 9457 problem response; client errors never surface as 5xx."""

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from shared.api.http import ApiResponse, HttpRequestLike, problem_response
from shared.domain import errors
from shared.ports import InvalidContinuationToken
from shared.services.carts import CartBusy

log = logging.getLogger(__name__)


class RequestRejected(Exception):
    """The request itself is malformed; carries the problem to answer with."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        slug: str,
        extensions: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.slug = slug
        self.extensions = extensions
        self.headers = headers


# Domain error -> (status, title, problem slug)
_DOMAIN_PROBLEMS: dict[type[errors.DomainError], tuple[int, str, str]] = {
    errors.CartNotFound: (404, "Shopping cart not found", "cart-not-found"),
    errors.OrderNotFound: (404, "Order not found", "order-not-found"),
    errors.ItemNotInCart: (404, "Item not in cart", "item-not-in-cart"),
    errors.UnknownProduct: (422, "Unknown product", "unknown-product"),
    errors.QuantityOutOfRange: (422, "Quantity out of range", "quantity-out-of-range"),
    errors.CartAlreadyOrdered: (409, "Shopping cart already ordered", "cart-already-ordered"),
    errors.EmptyCart: (422, "Shopping cart is empty", "empty-cart"),
    errors.StaleVersion: (412, "Precondition failed", "stale-etag"),
}

Endpoint = Callable[[HttpRequestLike], Awaitable[ApiResponse]]


def endpoint(handler: Endpoint) -> Endpoint:
    """Map refusals to problem responses; let genuine faults propagate (the host answers 500)."""

    @functools.wraps(handler)
    async def wrapper(request: HttpRequestLike) -> ApiResponse:
        try:
            return await handler(request)
        except RequestRejected as rejected:
            return problem_response(
                rejected.status,
                rejected.title,
                rejected.detail,
                slug=rejected.slug,
                extensions=rejected.extensions,
                headers=rejected.headers,
            )
        except errors.DomainError as error:
            status, title, slug = _DOMAIN_PROBLEMS.get(
                type(error), (400, "Request refused", "refused")
            )
            return problem_response(status, title, str(error), slug=slug)
        except InvalidContinuationToken:
            return problem_response(
                400,
                "Invalid continuation token",
                "The continuationToken is not one this API issued; start again without it.",
                slug="invalid-continuation-token",
            )
        except CartBusy as busy:
            return problem_response(
                409, "Shopping cart busy", str(busy), slug="cart-busy", headers={"Retry-After": "1"}
            )

    return wrapper
