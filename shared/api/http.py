"""Framework-neutral HTTP request and response shapes, JSON and RFC 9457 problem responses."""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.api.problem_types import PROBLEM_TYPE_PREFIX

ROUTE_PREFIX = "/api"  # host.json extensions.http.routePrefix
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


class HttpRequestLike(Protocol):
    """What an endpoint reads from a request; azure.functions.HttpRequest has all of it."""

    @property
    def method(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def params(self) -> Mapping[str, str]: ...

    @property
    def route_params(self) -> Mapping[str, str]: ...

    def get_body(self) -> bytes: ...


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(
    status: int, payload: Any, headers: Mapping[str, str] | None = None
) -> ApiResponse:
    return ApiResponse(
        status=status,
        body=json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(),
        headers={"Content-Type": f"{JSON}; charset=utf-8", **(headers or {})},
    )


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    extensions: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ApiResponse:
    """An RFC 9457 problem document; ``slug`` names the problem type."""
    payload = {
        "type": f"{PROBLEM_TYPE_PREFIX}{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        **(extensions or {}),
    }
    response = json_response(status, payload, headers)
    response.headers["Content-Type"] = f"{PROBLEM_JSON}; charset=utf-8"
    return response


def header(request: HttpRequestLike, name: str) -> str | None:
    """Case-insensitive header lookup, whatever mapping the host hands over."""
    wanted = name.lower()
    return next((v for k, v in request.headers.items() if k.lower() == wanted), None)


def etag_header(etag: str) -> str:
    """ETags travel quoted in HTTP; Cosmos DB's already are, SQLite's are not."""
    return etag if etag.startswith('"') else f'"{etag}"'


_ENTITY_TAG = re.compile(r'\s*(W/)?("[^"]*"|[^",\s]+)\s*(?:,|$)')


def parse_if_match(request: HttpRequestLike) -> tuple[str, ...] | None:
    """The opaque tags If-Match accepts; None when there is no precondition (absent or '*').

    If-Match uses the strong comparison (RFC 9110, 13.1.1): a weak tag never matches, so a
    header of weak tags only is an empty tuple, a precondition that always fails.
    """
    value = header(request, "If-Match")
    if value is None or value.strip() in ("", "*"):
        return None
    return tuple(
        tag.strip('"') for weak, tag in _ENTITY_TAG.findall(value) if not weak and tag != "*"
    )
