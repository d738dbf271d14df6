"""GET openapi.json: the API's OpenAPI description, generated from the code (anonymous)."""

import asyncio
import json

from shared.api.http import JSON, ApiResponse, HttpRequestLike
from shared.api.openapi import openapi_document
from shared.api.problems import endpoint
from shared.bootstrap import Application

# The document's bytes, built on the first request and kept for the life of the process.
_document: bytes | None = None


def _document_bytes() -> bytes:
    return json.dumps(openapi_document(), separators=(",", ":")).encode()


@endpoint
async def get_openapi_document(request: HttpRequestLike, app: Application) -> ApiResponse:
    global _document
    if _document is None:
        # Built from the function folders' files, so off the event loop. Two first requests
        # at once may both build it, to the same bytes; every later one answers from here.
        _document = await asyncio.to_thread(_document_bytes)
    return ApiResponse(
        200, _document, {"Content-Type": f"{JSON}; charset=utf-8", "Cache-Control": "no-cache"}
    )
