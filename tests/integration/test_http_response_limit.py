"""The limit in front of the Functions host for HTTP requests, on the local host over real HTTP.

On Azure an HTTP-triggered function that has not answered within 230 seconds gets its client a
502 from the front end, whatever functionTimeout says, and runs on (Azure Functions HTTP trigger
reference, "Limits"). Here the limit is injected small, so nothing waits for minutes.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from local_host.function_app import discover_function_app
from local_host.http_server import HTTP_RESPONSE_LIMIT, HttpServer
from tests.integration.test_local_host_discovery import ThrowawayApp, app, http_json

__all__ = ["app"]  # the fixture, used by name

SLOW_CODE = """
import asyncio
import azure.functions as func


async def main(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(float(req.params["seconds"]))
    return func.HttpResponse("done")
"""


def test_the_limit_is_the_front_ends_230_seconds() -> None:
    assert timedelta(seconds=230) == HTTP_RESPONSE_LIMIT


@pytest.fixture
async def slow_server(app: ThrowawayApp) -> AsyncIterator[HttpServer]:
    app.add("Slow", http_json("slow", ["get"]), SLOW_CODE)
    functions = discover_function_app(app.root, {}).functions
    server = HttpServer(
        functions,
        "api",
        host="127.0.0.1",
        port=0,
        shutdown_timeout=1,
        function_timeout=timedelta(seconds=5),
        response_limit=timedelta(seconds=0.2),
    )
    await server.start()
    yield server
    await server.stop()


async def test_a_function_past_the_response_limit_gets_its_client_a_502_and_runs_on(
    slow_server: HttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="local_host")
    async with httpx.AsyncClient(base_url=slow_server.base_url) as client:
        response = await client.get("/api/slow", params={"seconds": "0.6"})
        assert response.status_code == 502
        assert response.content == b""
        assert "has not answered within 0.2 seconds" in caplog.text
        assert "the client gets a 502 and the function runs on" in caplog.text
        # The 502 came while the function still ran, on a connection not to be reused.
        assert "(Succeeded," not in caplog.text
        assert response.headers["Connection"] == "close"
        # The function was not cancelled: it finishes, as on Azure, its answer lost.
        for _ in range(100):
            if "(Succeeded," in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert "(Succeeded," in caplog.text
        # Within the limit the function answers as usual.
        quick = await client.get("/api/slow", params={"seconds": "0"})
        assert quick.status_code == 200
        assert quick.text == "done"
