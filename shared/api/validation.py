"""Parsing and validating what clients send: route values, query strings and JSON bodies."""

import json
import re
import uuid
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.api import problem_types as types
from shared.api.http import HttpRequestLike, header
from shared.api.problems import RequestRejected
from shared.document_rules import MAX_TOKEN_LENGTH
from shared.unique_ids import unique_uuid

MAX_BODY_BYTES = 64 * 1024
CUSTOMER_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
PRODUCT_ID_PATTERN = re.compile(r"[a-z0-9\-]{1,64}")

ModelT = TypeVar("ModelT", bound=BaseModel)

# The route values as JSON Schemas, for the OpenAPI description: the same rules as below.
_LOWERCASE_UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
PATH_PARAMETER_SCHEMAS: dict[str, dict[str, object]] = {
    "customer": {"type": "string", "pattern": f"^{CUSTOMER_PATTERN.pattern}$"},
    "cartId": {"type": "string", "format": "uuid", "pattern": _LOWERCASE_UUID},
    "orderId": {"type": "string", "format": "uuid", "pattern": _LOWERCASE_UUID},
    "productId": {"type": "string", "pattern": f"^{PRODUCT_ID_PATTERN.pattern}$"},
}


def customer_handle_from_route(request: HttpRequestLike) -> str:
    """The route's customer handle, well formed; shoppers.py decides whether it may be used."""
    customer = request.route_params.get("customer", "")
    if not CUSTOMER_PATTERN.fullmatch(customer):
        raise RequestRejected(
            types.INVALID_CUSTOMER,
            "The customer handle must be 1-64 characters: letters, digits, '-', '_' or '.'.",
        )
    return customer


def uuid_from_route(request: HttpRequestLike, name: str) -> str:
    """Cart and order ids are canonical lowercase UUIDs; anything else is malformed."""
    raw = request.route_params.get(name, "")
    try:
        parsed = str(uuid.UUID(raw))
    except ValueError:
        parsed = None
    if parsed != raw:
        raise RequestRejected(
            types.INVALID_ID, f"'{name}' must be a lowercase UUID such as {uuid.UUID(int=0)}."
        )
    return raw


def product_id_from_route(request: HttpRequestLike) -> str:
    product_id = request.route_params.get("productId", "")
    if not PRODUCT_ID_PATTERN.fullmatch(product_id):
        raise RequestRejected(
            types.INVALID_PRODUCT_ID, "'productId' must be 1-64 lowercase letters, digits or '-'."
        )
    return product_id


def json_body(request: HttpRequestLike, model: type[ModelT]) -> ModelT:
    """The body as ``model``: 413 too large, 415 not JSON, 400 unreadable, 422 wrong shape."""
    body = request.get_body()
    if len(body) > MAX_BODY_BYTES:
        raise RequestRejected(
            types.PAYLOAD_TOO_LARGE, f"Request bodies are limited to {MAX_BODY_BYTES} bytes."
        )
    if not _is_utf8_json(header(request, "Content-Type")):
        raise RequestRejected(
            types.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json in UTF-8."
        )
    try:
        payload = json.loads(
            body.decode("utf-8"),
            parse_constant=_reject_constant,
            object_pairs_hook=_refuse_duplicate_keys,
        )
    except UnicodeDecodeError:
        raise RequestRejected(types.MALFORMED_BODY, "The body is not valid UTF-8.") from None
    except (json.JSONDecodeError, ValueError) as error:
        raise RequestRejected(
            types.MALFORMED_BODY, f"The body is not valid JSON: {error}"
        ) from None
    except RecursionError:
        raise RequestRejected(types.MALFORMED_BODY, "The body nests too deeply.") from None
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise RequestRejected(
            types.INVALID_BODY,
            "The body does not match the expected shape; see 'errors'.",
            {"errors": _describe(error)},
        ) from None


def _is_utf8_json(content_type: str | None) -> bool:
    """No Content-Type counts as JSON; a declared one must be JSON, and UTF-8 if it names one."""
    if not content_type:
        return True
    media_type, *parameters = (part.strip().lower() for part in content_type.split(";"))
    charsets = [p.split("=", 1)[1].strip('" ') for p in parameters if p.startswith("charset=")]
    return media_type in ("application/json", "text/json") and all(
        charset in ("utf-8", "utf8") for charset in charsets
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Parsers disagree on which of two equal keys wins; refuse rather than guess.
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return dict(pairs)


def _describe(error: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(part) for part in item["loc"]) or "(body)", "message": item["msg"]}
        for item in error.errors(include_url=False, include_input=False)
    ]


def query_int(request: HttpRequestLike, name: str, default: int, low: int, high: int) -> int:
    raw = request.params.get(name)
    if raw is None:
        return default
    # The length check first: int() refuses strings of over 4300 digits with a ValueError.
    if (
        len(raw) > len(str(high))
        or not raw.isascii()
        or not raw.isdigit()
        or not low <= int(raw) <= high
    ):
        raise RequestRejected(
            types.INVALID_QUERY, f"'{name}' must be a whole number from {low} to {high}."
        )
    return int(raw)


def query_bool(request: HttpRequestLike, name: str) -> bool | None:
    raw = request.params.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise RequestRejected(types.INVALID_QUERY, f"'{name}' must be 'true' or 'false'.")
    return raw == "true"


def query_continuation_token(request: HttpRequestLike) -> str | None:
    raw = request.params.get("continuationToken")
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_TOKEN_LENGTH:
        raise RequestRejected(types.INVALID_CONTINUATION_TOKEN, "'continuationToken' is too long.")
    return raw


CORRELATION_ID_PATTERN = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def correlation_id(request: HttpRequestLike) -> str:
    """The caller's X-Correlation-Id when well formed, otherwise a new one."""
    supplied = header(request, "X-Correlation-Id")
    if supplied and CORRELATION_ID_PATTERN.fullmatch(supplied):
        return supplied
    return unique_uuid()
