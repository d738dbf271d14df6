"""Every refusal becomes an RFC 9457 problem response; client errors never surface as 5xx."""

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from shared.api import problem_types as types
from shared.api.http import ApiResponse, HttpRequestLike, problem_response
from shared.api.problem_types import ProblemType
from shared.domain import errors
from shared.ports import InvalidContinuationToken
from shared.services.carts import CartBusy

log = logging.getLogger(__name__)


class RequestRejected(Exception):
    """The request itself is malformed; carries the problem to answer with."""

    def __init__(
        self,
        problem: ProblemType,
        detail: str,
        extensions: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail
        self.extensions = extensions
        self.headers = headers


_DOMAIN_PROBLEMS: dict[type[errors.DomainError], ProblemType] = {
    errors.CartNotFound: types.CART_NOT_FOUND,
    errors.OrderNotFound: types.ORDER_NOT_FOUND,
    errors.ItemNotInCart: types.ITEM_NOT_IN_CART,
    errors.UnknownProduct: types.UNKNOWN_PRODUCT,
    errors.QuantityOutOfRange: types.QUANTITY_OUT_OF_RANGE,
    errors.CartAlreadyOrdered: types.CART_ALREADY_ORDERED,
    errors.EmptyCart: types.EMPTY_CART,
    errors.StaleVersion: types.STALE_ETAG,
}


def problem(
    problem_type: ProblemType,
    detail: str,
    extensions: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> ApiResponse:
    return problem_response(
        problem_type.status,
        problem_type.title,
        detail,
        slug=problem_type.slug,
        extensions=extensions,
        headers=headers,
    )


Endpoint = Callable[[HttpRequestLike], Awaitable[ApiResponse]]


def endpoint(handler: Endpoint) -> Endpoint:
    """Map refusals to problem responses; let genuine faults propagate (the host answers 500)."""

    @functools.wraps(handler)
    async def wrapper(request: HttpRequestLike) -> ApiResponse:
        try:
            return await handler(request)
        except RequestRejected as rejected:
            return problem(rejected.problem, rejected.detail, rejected.extensions, rejected.headers)
        except errors.DomainError as error:
            return problem(_DOMAIN_PROBLEMS.get(type(error), types.REFUSED), str(error))
        except InvalidContinuationToken:
            return problem(
                types.INVALID_CONTINUATION_TOKEN,
                "The continuationToken is not one this API issued; start again without it.",
            )
        except CartBusy as busy:
            return problem(types.CART_BUSY, str(busy), headers={"Retry-After": "1"})

    return wrapper
