"""The app answers its own errors as problem+json, whatever host runs it (function level).

Outages and requests past their time limit are 503 with Retry-After; requests no route
matched reach the catch-all function (ZzzUnmatchedRoute) and get 404, or 405 with Allow.
"""

import asyncio
import json
import sqlite3
from pathlib import Path

import azure.functions as func
import pytest

import ZzzUnmatchedRoute
from shared import bootstrap
from shared.api.routes import APP_DIR, declared_routes, read_routes, template_pattern
from tests.integration import function_calls as api
from tests.integration.function_calls import BASE, json_of

PROBLEM_JSON = "application/problem+json; charset=utf-8"


def unmatched(method: str, path: str) -> func.HttpRequest:
    return func.HttpRequest(
        method=method, url=f"{BASE}/{path}", route_params={"path": path}, body=b""
    )


@pytest.mark.usefixtures("app_settings")
async def test_a_wrong_method_on_a_known_route_is_405_with_allow() -> None:
    response = await ZzzUnmatchedRoute.main(unmatched("PUT", "customers/anna/carts"))
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert response.headers["Content-Type"] == PROBLEM_JSON
    problem = json_of(response)
    assert problem["type"] == "urn:pierogi-shop:problem:method-not-allowed"
    assert "/api/customers/anna/carts" in problem["detail"]


@pytest.mark.usefixtures("app_settings")
async def test_an_unknown_route_is_404() -> None:
    response = await ZzzUnmatchedRoute.main(unmatched("GET", "no/such/thing"))
    assert response.status_code == 404
    assert json_of(response)["type"] == "urn:pierogi-shop:problem:not-found"


@pytest.mark.usefixtures("app_settings")
async def test_a_known_route_and_method_that_reached_the_catch_all_is_404() -> None:
    # Only a failed route constraint sends an allowed method here: nothing is served there.
    response = await ZzzUnmatchedRoute.main(unmatched("GET", "customers/anna/carts"))
    assert response.status_code == 404


def test_the_route_table_holds_every_http_function_but_the_catch_all() -> None:
    names = {route.function for route in declared_routes()}
    folders = {
        path.parent.name
        for path in APP_DIR.glob("*/function.json")
        if '"httpTrigger"' in path.read_text(encoding="utf-8")
    }
    assert names == folders - {"ZzzUnmatchedRoute"}
    products = next(route for route in read_routes(APP_DIR) if route.template == "products")
    assert products.methods == frozenset({"GET"})


def test_route_templates_match_as_the_host_matches_them() -> None:
    pattern = template_pattern("customers/{customer}/carts/{cartId}")
    assert pattern.fullmatch("customers/anna/carts/123")
    assert pattern.fullmatch("CUSTOMERS/anna/Carts/123")
    assert not pattern.fullmatch("customers/anna/carts")
    assert not pattern.fullmatch("customers/anna/carts/1/items")
    assert not pattern.fullmatch("customers//carts/123")
    # Literals fold ASCII letters only: the long s (U+017F) is not an "s" here.
    assert not pattern.fullmatch("customers/anna/cart\u017f/123")


@pytest.mark.parametrize(
    "template",
    ["carts/{cartId:guid}", "carts/{cartId?}", "pages/{page=1}", "files/{name}.{ext}", "a//b"],
)
def test_route_syntax_the_app_does_not_use_is_refused(template: str) -> None:
    with pytest.raises(ValueError, match="only route syntax"):
        template_pattern(template)


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


def test_the_catch_all_sorts_after_every_other_http_function_however_names_compare() -> None:
    # The host tries routes in name order; the catch-all must come last under an ordinal and
    # under a case-insensitive comparison alike.
    others = [route.function for route in declared_routes()]
    assert all(name < "ZzzUnmatchedRoute" for name in others)
    assert all(name.lower() < "zzzunmatchedroute" for name in others)
