"""authLevel function / admin on the local host: a key is required, as in Azure."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import HostFactory, HostProcess

HANDLER = """
import azure.functions as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ran", status_code=200)
"""


def keyed_function(level: str, route: str) -> dict[str, object]:
    return {
        "bindings": [
            {
                "type": "httpTrigger",
                "direction": "in",
                "name": "req",
                "authLevel": level,
                "methods": ["get", "post"],
                "route": route,
            },
            {"type": "http", "direction": "out", "name": "$return"},
        ]
    }


@pytest.fixture(scope="module")
def keyed_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    app = tmp_path_factory.mktemp("keyed-app")
    (app / "host.json").write_text('{"version": "2.0"}', encoding="utf-8")
    for name, level, route in (
        ("Open", "anonymous", "open"),
        ("Operators", "function", "operators"),
        ("Admin", "admin", "admin-only"),
    ):
        folder = Path(app, name)
        folder.mkdir()
        (folder / "function.json").write_text(json.dumps(keyed_function(level, route)))
        (folder / "__init__.py").write_text(HANDLER, encoding="utf-8")
    factory = HostFactory(app / ".data")
    try:
        yield factory.start("web", app_dir=app)
    finally:
        factory.kill_all()


def keys(host: HostProcess) -> tuple[str, str]:
    line = host.wait_for_output(r"Keyed functions \(Admin, Operators\)")
    found = re.search(r"function key (\S+), master key (\S+)$", line)
    assert found is not None, line
    return found[1], found[2]


def status(
    host: HostProcess,
    path: str,
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return httpx.get(f"{host.api_url}/{path}", params=params, headers=headers, timeout=10)


def test_an_anonymous_route_needs_no_key(keyed_host: HostProcess) -> None:
    assert status(keyed_host, "open").status_code == 200


def test_a_function_route_needs_the_function_or_master_key(keyed_host: HostProcess) -> None:
    function_key, master_key = keys(keyed_host)
    refused = status(keyed_host, "operators")
    assert (refused.status_code, refused.content) == (401, b"")
    assert status(keyed_host, "operators", params={"code": "wrong"}).status_code == 401
    assert status(keyed_host, "operators", headers={"x-functions-key": ""}).status_code == 401
    for key in (function_key, master_key):
        assert status(keyed_host, "operators", headers={"x-functions-key": key}).text == "ran"
        assert status(keyed_host, "operators", params={"code": key}).text == "ran"
    assert "Functions.Operators" in keyed_host.text()


def test_an_admin_route_needs_the_master_key(keyed_host: HostProcess) -> None:
    function_key, master_key = keys(keyed_host)
    assert status(keyed_host, "admin-only").status_code == 401
    assert status(keyed_host, "admin-only", params={"code": function_key}).status_code == 401
    assert status(keyed_host, "admin-only", params={"code": master_key}).status_code == 200


def test_a_refused_request_never_reaches_the_function(keyed_host: HostProcess) -> None:
    before = keyed_host.text().count("Executing 'Functions.Admin'")
    assert status(keyed_host, "admin-only").status_code == 401
    assert keyed_host.text().count("Executing 'Functions.Admin'") == before
