"""shared/api/problems.py: outages and requests past their time limit are 503 problems with
Retry-After, whatever host runs the app (called through the function folders)."""

import asyncio
import json
import sqlite3
from pathlib import Path

from shared import bootstrap
from tests.integration import function_calls as api
from tests.integration.function_calls import json_of

PROBLEM_JSON = "application/problem+json; charset=utf-8"


async def test_a_store_outage_is_a_503_problem_with_retry_after(
    app_settings: dict[str, str],
) -> None:
    # A documents database that cannot be opened: a real outage of the embedded store.
    (Path(app_settings["EmbeddedDataDir"]) / "documents.sqlite3").mkdir(parents=True)
    response = await api.list_carts("anna")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert json_of(response)["type"] == "urn:pierogi-shop:problem:service-unavailable"


async def test_a_request_past_its_time_limit_is_a_503_problem(
    app_settings: dict[str, str],
) -> None:
    await bootstrap.shutdown()
    bootstrap.configure({**app_settings, "RequestTimeLimitSeconds": "1"})
    assert (await api.create_cart("anna")).status_code == 201  # the database exists
    # Another process holds the write lock: writes wait (busy timeout 5 s) past the limit.
    holder = sqlite3.connect(Path(app_settings["EmbeddedDataDir"]) / "documents.sqlite3")
    try:
        holder.execute("BEGIN IMMEDIATE")
        response = await api.create_cart("anna")
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    problem = json.loads(response.get_body())
    assert "longer than 1 s" in problem["detail"]
    # The interrupted write has rolled back and the store serves again.
    await asyncio.sleep(0)
    assert (await api.create_cart("anna")).status_code == 201
