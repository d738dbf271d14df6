"""GET /api/health on real SQLite: 200 while the store and the queue answer, 503 when not."""

import json
from pathlib import Path

import pytest

import GetHealth
from shared import bootstrap
from tests.conftest import embedded_settings
from tests.integration.function_calls import http_request


async def get_health(data_dir: Path) -> tuple[int, dict[str, str], dict[str, object]]:
    bootstrap.configure(embedded_settings(data_dir))
    try:
        response = await GetHealth.main(http_request("GET", "health", {}))
    finally:
        await bootstrap.shutdown()
    return response.status_code, dict(response.headers), json.loads(response.get_body())


async def test_a_reachable_store_and_queue_answer_200(tmp_path: Path) -> None:
    status, headers, body = await get_health(tmp_path / "data")
    assert status == 200
    assert body == {"status": "healthy", "checks": {"store": "reachable", "queue": "reachable"}}
    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("broken_file", "checks", "down"),
    [
        ("documents.sqlite3", {"store": "unreachable", "queue": "reachable"}, "store"),
        ("queue.sqlite3", {"store": "reachable", "queue": "unreachable"}, "queue"),
    ],
)
async def test_an_unreachable_part_answers_503_problem_naming_it(
    tmp_path: Path, broken_file: str, checks: dict[str, str], down: str
) -> None:
    data = tmp_path / "data"
    # A directory where the database file should be: SQLite cannot open it.
    (data / broken_file).mkdir(parents=True)
    status, headers, body = await get_health(data)
    assert status == 503
    assert headers["Content-Type"].startswith("application/problem+json")
    assert headers["Retry-After"] == "10"
    assert body["type"] == "urn:pierogi-shop:problem:unhealthy"
    assert body["checks"] == checks
    assert body["detail"] == f"The {down} cannot be reached; orders cannot be taken now."
