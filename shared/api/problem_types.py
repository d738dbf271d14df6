"""Every RFC 9457 problem type the API answers with: its URI, HTTP status and title.

One catalogue for the code that refuses requests and for the OpenAPI description, so a problem
type cannot be answered without being described.
"""

from dataclasses import dataclass

PROBLEM_TYPE_PREFIX = "urn:pierogi-shop:problem:"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    description: str
    # Response headers that come with it.
    headers: tuple[str, ...] = ()

    @property
    def uri(self) -> str:
        return f"{PROBLEM_TYPE_PREFIX}{self.slug}"


def _problem(
    slug: str, status: int, title: str, description: str, headers: tuple[str, ...] = ()
) -> ProblemType:
    return ProblemType(slug, status, title, description, headers)


INVALID_CUSTOMER = _problem(
    "invalid-customer", 400, "Bad request", "The customer handle in the path is malformed."
)
INVALID_ID = _problem(
    "invalid-id", 400, "Bad request", "A cart or order id in the path is not a lowercase UUID."
)
INVALID_PRODUCT_ID = _problem(
    "invalid-product-id", 400, "Bad request", "The product id in the path is malformed."
)
INVALID_QUERY = _problem(
    "invalid-query", 400, "Bad request", "A query parameter is out of range or malformed."
)
INVALID_CONTINUATION_TOKEN = _problem(
    "invalid-continuation-token",
    400,
    "Invalid continuation token",
    "The continuationToken is not one this API issued for this query.",
)
MALFORMED_BODY = _problem(
    "malformed-body", 400, "Bad request", "The body is not UTF-8 JSON, or nests too deeply."
)
PAYLOAD_TOO_LARGE = _problem(
    "payload-too-large", 413, "Payload too large", "The body is larger than the API accepts."
)
UNSUPPORTED_MEDIA_TYPE = _problem(
    "unsupported-media-type",
    415,
    "Unsupported media type",
    "The body is declared as something other than JSON in UTF-8.",
)
INVALID_BODY = _problem(
    "invalid-body",
    422,
    "Invalid request body",
    "The JSON body does not have the expected shape; 'errors' lists each mismatch.",
)
CART_NOT_FOUND = _problem(
    "cart-not-found", 404, "Shopping cart not found", "The customer has no such cart."
)
ORDER_NOT_FOUND = _problem("order-not-found", 404, "Order not found", "No such order exists.")
ITEM_NOT_IN_CART = _problem(
    "item-not-in-cart", 404, "Item not in cart", "The cart has no line for the product."
)
UNKNOWN_PRODUCT = _problem(
    "unknown-product", 422, "Unknown product", "The product is not on the menu."
)
QUANTITY_OUT_OF_RANGE = _problem(
    "quantity-out-of-range",
    422,
    "Quantity out of range",
    "The line would hold fewer or more portions than a cart line may.",
)
CART_ALREADY_ORDERED = _problem(
    "cart-already-ordered",
    409,
    "Shopping cart already ordered",
    "The cart was submitted; it can no longer change.",
)
EMPTY_CART = _problem(
    "empty-cart", 422, "Shopping cart is empty", "An empty cart cannot be submitted."
)
STALE_ETAG = _problem(
    "stale-etag",
    412,
    "Precondition failed",
    "The cart changed since the ETag in If-Match was read; read it again.",
)
CART_BUSY = _problem(
    "cart-busy",
    409,
    "Shopping cart busy",
    "Other changes to the cart kept winning; try again after Retry-After seconds.",
    ("Retry-After",),
)
ME_WITHOUT_AUTHENTICATION = _problem(
    "me-without-authentication",
    400,
    "Bad request",
    "'me' names the signed-in shopper, and authentication is off: name the customer.",
)
UNAUTHENTICATED = _problem(
    "unauthenticated",
    401,
    "Unauthorized",
    "No shopper is signed in (Authentication=appservice or staticwebapps), or the principal is "
    "unreadable.",
    ("WWW-Authenticate",),
)
NO_SHOPPER_IDENTITY = _problem(
    "no-shopper-identity",
    403,
    "Forbidden",
    "The signed-in principal has no stable id (object id claim, or userId) to identify a "
    "shopper by.",
)
CUSTOMER_NOT_FOUND = _problem(
    "customer-not-found",
    404,
    "Not found",
    "The route names a customer other than the signed-in shopper (or none that exists).",
)
UNHEALTHY = _problem(
    "unhealthy",
    503,
    "Service unavailable",
    "The store or the queue cannot be reached; 'checks' says which.",
    ("Retry-After",),
)
SERVICE_UNAVAILABLE = _problem(
    "service-unavailable",
    503,
    "Service unavailable",
    "The store is unavailable or throttling, or the request ran past its time limit; try again "
    "after Retry-After seconds.",
    ("Retry-After",),
)
NOT_FOUND = _problem("not-found", 404, "Not Found", "Nothing is served at this path.")
METHOD_NOT_ALLOWED = _problem(
    "method-not-allowed",
    405,
    "Method Not Allowed",
    "The path exists but does not accept this method; Allow lists those it accepts.",
    ("Allow",),
)
REFUSED = _problem("refused", 400, "Request refused", "The request was refused.")

# Every problem type defined above.
ALL_PROBLEM_TYPES: tuple[ProblemType, ...] = tuple(
    value for value in list(globals().values()) if isinstance(value, ProblemType)
)
