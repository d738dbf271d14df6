"""shared/api/description.py: GET openapi.json answers the document built once per process."""

import asyncio
import json
from collections.abc import Callable
from typing import Any

import azure.functions as func
import pytest

import GetOpenApiDocument
from shared.api import description
from shared.api.openapi import openapi_document
from tests.integration.function_calls import BASE


@pytest.mark.usefixtures("app_settings")
async def test_the_document_is_built_off_the_loop_once_then_answered_from_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(description, "_document", None)
    threads: list[str] = []
    to_thread = asyncio.to_thread

    async def counted(function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        threads.append(function.__name__)
        return await to_thread(function, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counted)
    request = func.HttpRequest(method="GET", url=f"{BASE}/openapi.json", body=b"")

    first = await GetOpenApiDocument.main(request)
    again = await GetOpenApiDocument.main(request)

    assert first.status_code == again.status_code == 200
    assert json.loads(first.get_body()) == openapi_document()
    assert again.get_body() == first.get_body()
    assert threads == ["_document_bytes"]
