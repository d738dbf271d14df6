"""GET openapi.json: the API's OpenAPI description, generated from the code (anonymous)."""

import asyncio
import json
from functools import cache

from shared.api.http import JSON, ApiResponse, HttpRequestLike
from shared.api.openapi import openapi_document
from shared.api.problems import endpoint
from shared.bootstrap import Application


@cache
def _document_bytes() -> bytes:
    return json.dumps(openapi_document(), separators=(",", ":")).encode()


@endpoint
async def get_openapi_document(request: HttpRequestLike, app: Application) -> ApiResponse:
    # Built on first use from the function folders' files: read off the event loop.
    body = await asyncio.to_thread(_document_bytes)
    return ApiResponse(
        200, body, {"Content-Type": f"{JSON}; charset=utf-8", "Cache-Control": "no-cache"}
    )
