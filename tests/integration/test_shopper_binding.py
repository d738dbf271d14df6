"""Which shopper a request acts for, in both Authentication modes, through the real functions."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import CreateShoppingCart
import GetShoppingCarts
from shared import bootstrap
from shared.api.principal import NAME_CLAIM, OBJECT_ID_CLAIM, ROLE_CLAIM, Claim, ClientPrincipal
from tests.conftest import embedded_settings
from tests.integration.function_calls import http_request, json_of

ANNA = ClientPrincipal("aad", (Claim(OBJECT_ID_CLAIM, "anna-oid"),), NAME_CLAIM, ROLE_CLAIM)


@pytest.fixture
async def authentication(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    mode: str = request.param
    bootstrap.configure({**embedded_settings(tmp_path / "data"), "Authentication": mode})
    yield mode
    await bootstrap.shutdown()


async def list_carts(customer: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    response = await GetShoppingCarts.main(
        http_request("GET", f"customers/{customer}/carts", {"customer": customer}, headers=headers)
    )
    return response.status_code, json_of(response)


def as_principal(principal: ClientPrincipal) -> dict[str, str]:
    return {"X-MS-CLIENT-PRINCIPAL": principal.encode(), "X-MS-CLIENT-PRINCIPAL-ID": "x"}


@pytest.mark.parametrize("authentication", ["none"], indirect=True)
async def test_without_authentication_me_is_refused_not_taken_as_a_handle(
    authentication: str,
) -> None:
    status, problem = await list_carts("me")
    assert (status, problem["type"]) == (400, "urn:pierogi-shop:problem:me-without-authentication")
    created = await CreateShoppingCart.main(
        http_request("POST", "customers/me/carts", {"customer": "me"})
    )
    assert created.status_code == 400


@pytest.mark.parametrize("authentication", ["none"], indirect=True)
async def test_without_authentication_principal_headers_are_ignored(authentication: str) -> None:
    status, page = await list_carts("bob", as_principal(ANNA))
    assert (status, page["carts"]) == (200, [])
    status, _ = await list_carts("me", as_principal(ANNA))
    assert status == 400


@pytest.mark.parametrize("authentication", ["appservice"], indirect=True)
async def test_the_principal_object_id_is_the_customer(authentication: str) -> None:
    created = await CreateShoppingCart.main(
        http_request("POST", "customers/me/carts", {"customer": "me"}, headers=as_principal(ANNA))
    )
    assert created.status_code == 201
    assert json_of(created)["customer"] == "anna-oid"
    assert created.headers["Location"].startswith("/api/customers/anna-oid/carts/")
    for handle in ("me", "anna-oid"):
        status, page = await list_carts(handle, as_principal(ANNA))
        assert (status, len(page["carts"])) == (200, 1)


@pytest.mark.parametrize("authentication", ["appservice"], indirect=True)
@pytest.mark.parametrize("handle", ["bob", "Anna-oid", "anna", "not a handle!"])
async def test_a_route_naming_anyone_else_is_not_found(authentication: str, handle: str) -> None:
    status, problem = await list_carts(handle, as_principal(ANNA))
    assert (status, problem["type"]) == (404, "urn:pierogi-shop:problem:customer-not-found")


@pytest.mark.parametrize("authentication", ["appservice"], indirect=True)
@pytest.mark.parametrize(
    "headers",
    [{}, {"X-MS-CLIENT-PRINCIPAL-ID": "anna-oid", "X-MS-CLIENT-PRINCIPAL-NAME": "anna"}],
)
async def test_no_principal_is_a_401_problem(authentication: str, headers: dict[str, str]) -> None:
    response = await GetShoppingCarts.main(
        http_request("GET", "customers/me/carts", {"customer": "me"}, headers=headers)
    )
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert json_of(response)["type"] == "urn:pierogi-shop:problem:unauthenticated"


@pytest.mark.parametrize("authentication", ["appservice"], indirect=True)
async def test_an_unreadable_principal_is_a_401(authentication: str) -> None:
    status, problem = await list_carts("me", {"X-MS-CLIENT-PRINCIPAL": "%%%"})
    assert (status, problem["status"]) == (401, 401)


@pytest.mark.parametrize("authentication", ["appservice"], indirect=True)
@pytest.mark.parametrize("object_id", [None, "me", "has space", "x" * 65])
async def test_a_principal_without_a_usable_object_id_is_a_403(
    authentication: str, object_id: str | None
) -> None:
    claims = (Claim(NAME_CLAIM, "anna"),) + (
        () if object_id is None else (Claim(OBJECT_ID_CLAIM, object_id),)
    )
    principal = ClientPrincipal("aad", claims, NAME_CLAIM, ROLE_CLAIM)
    status, problem = await list_carts("me", as_principal(principal))
    assert (status, problem["type"]) == (403, "urn:pierogi-shop:problem:no-shopper-identity")
