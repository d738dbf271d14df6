"""shared/api/unmatched.py: requests no route matched reach the catch-all function
(ZzzUnmatchedRoute) and get 404, or 405 with Allow, as problem+json."""

import azure.functions as func
import pytest

import ZzzUnmatchedRoute
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
