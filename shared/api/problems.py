"""Every error the app can foresee becomes an RFC 9457 problem response, on any host.

Client errors are 4xx, never 5xx. An outage of the store (BackendUnavailable, from the
adapters) and a request that runs past its time limit are 503 with ``Retry-After``, answered
here rather than left to the host, which would answer an empty 500 (Azure) - so a shopper
gets the same problem document from Azure and from the local host.
"""

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from shared.api import problem_types as types
from shared.api.http import ApiResponse, HttpRequestLike, problem_response
from shared.api.problem_types import ProblemType
from shared.bootstrap import Application
from shared.domain import errors
from shared.ports import BackendUnavailable, InvalidContinuationToken
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


# Every endpoint gets the application from the function folder that calls it.
Endpoint = Callable[[HttpRequestLike, Application], Awaitable[ApiResponse]]


def endpoint(handler: Endpoint) -> Endpoint:
    """Map refusals and outages to problem responses; let bugs propagate (the host answers 500)."""

    @functools.wraps(handler)
    async def wrapper(request: HttpRequestLike, app: Application) -> ApiResponse:
        time_limit = app.request_time_limit_seconds
        try:
            async with asyncio.timeout(time_limit):
                return await handler(request, app)
        except TimeoutError:
            # Cancelled mid-way: a write may or may not have happened, as after any lost answer.
            log.warning("%s ran past its %ss time limit", handler.__name__, time_limit)
            return unavailable(
                f"The request took longer than {time_limit:g} s; try again shortly.", 1
            )
        except BackendUnavailable as outage:
            log.warning("%s: %s", handler.__name__, outage, exc_info=outage)
            return unavailable(
                "The shop's storage is unavailable right now; try again shortly.",
                outage.retry_after_seconds,
            )
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


def unavailable(detail: str, retry_after_seconds: int) -> ApiResponse:
    return problem(
        types.SERVICE_UNAVAILABLE, detail, headers={"Retry-After": str(retry_after_seconds)}
    )
