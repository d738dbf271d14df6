"""Which shopper a request acts for: the one rule every customer endpoint goes through.

Routes keep the shape ``customers/{customer}/...``. With ``Authentication=none`` the route's
handle is the customer (development only: anyone may name anyone). With a platform signing
shoppers in, the customer is the signed-in principal's stable id (shared/api/principal.py
says which: the object id claim with ``Authentication=appservice``, the site's ``userId`` with
``Authentication=staticwebapps``; never a display name): ``customers/me/...`` and
``customers/<own id>/...`` act for the principal; a route naming anyone else answers 404,
exactly like a customer that does not exist, so it reveals nothing; no principal answers 401.

``me`` is reserved in both modes: with authentication off it is refused (400) rather than taken
as a literal handle, so data written under "me" can never be confused with the signed-in
shopper's.
"""

from shared.api import problem_types as types
from shared.api.http import HttpRequestLike
from shared.api.principal import SignedInAuthentication, UnreadablePrincipal, principal_of
from shared.api.problems import RequestRejected
from shared.api.validation import CUSTOMER_PATTERN, customer_handle_from_route
from shared.settings import Authentication

ME = "me"


def customer_for_request(request: HttpRequestLike, authentication: Authentication) -> str:
    """The customer partition this request may act on, or a refusal (400, 401, 403, 404).

    ``authentication`` is the application's (``Application.authentication``), handed in by the
    endpoint like everything else it uses.
    """
    if authentication != "none":
        return _signed_in_customer(request, authentication)
    handle = customer_handle_from_route(request)
    if handle == ME:
        raise RequestRejected(
            types.ME_WITHOUT_AUTHENTICATION,
            "'me' stands for the signed-in shopper, and authentication is off "
            "(Authentication=none): name the customer instead.",
        )
    return handle


def _signed_in_customer(request: HttpRequestLike, authentication: SignedInAuthentication) -> str:
    try:
        principal = principal_of(request, authentication)
    except UnreadablePrincipal as error:
        raise _unauthenticated(f"The client principal is unreadable ({error}).") from None
    if principal is None:
        raise _unauthenticated("Sign in first: this API acts only for a signed-in shopper.")
    own = principal.shopper_id
    if own is None or own == ME or not CUSTOMER_PATTERN.fullmatch(own):
        raise RequestRejected(
            types.NO_SHOPPER_IDENTITY,
            "The signed-in principal carries no usable stable id to identify a shopper.",
        )
    named = request.route_params.get("customer", "")
    if named not in (ME, own):
        # Not 403: whether that customer exists must not show.
        raise RequestRejected(types.CUSTOMER_NOT_FOUND, "There is no such customer.")
    return own


def _unauthenticated(detail: str) -> RequestRejected:
    return RequestRejected(
        types.UNAUTHENTICATED,
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="pierogi-shop"'},
    )
