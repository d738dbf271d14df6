"""RFC 9457 problem details for the refusals the host answers itself, before any function runs."""

import json
from collections.abc import Mapping
from http import HTTPStatus

from aiohttp import web

PROBLEM_JSON = "application/problem+json"


def problem_response(
    status: HTTPStatus,
    detail: str,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    # "about:blank" says the problem is just the HTTP status, so the title is its phrase.
    problem: dict[str, str | int] = {
        "type": "about:blank",
        "title": status.phrase,
        "status": status.value,
        "detail": detail,
    }
    if instance is not None:
        problem["instance"] = instance
    return web.Response(
        status=status.value,
        body=json.dumps(problem).encode("utf-8"),
        content_type=PROBLEM_JSON,
        charset="utf-8",
        headers=headers,
    )
