"""Which shopper a request acts for, in every Authentication mode, through the real functions."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import CreateShoppingCart
import GetShoppingCarts
from shared import bootstrap
from shared.api.principal import (
    NAME_CLAIM,
    OBJECT_ID_CLAIM,
    ROLE_CLAIM,
    Claim,
    ClientPrincipal,
    StaticWebAppsPrincipal,
)
from tests.conftest import embedded_settings
from tests.integration.function_calls import http_request, json_of

ANNA = ClientPrincipal("aad", (Claim(OBJECT_ID_CLAIM, "anna-oid"),), NAME_CLAIM, ROLE_CLAIM)
# As a Static Web Apps site passes its signed-in users to the linked function app.
SIGNED_IN = ("anonymous", "authenticated")
ANNA_AT_THE_SITE = StaticWebAppsPrincipal("aad", "anna-uid", "anna@example.com", SIGNED_IN)
BOB_AT_THE_SITE = StaticWebAppsPrincipal("github", "bob-uid", "anna-uid", SIGNED_IN)


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


def as_principal(principal: ClientPrincipal | StaticWebAppsPrincipal) -> dict[str, str]:
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
@pytest.mark.parametrize("principal", [ANNA, ANNA_AT_THE_SITE])
async def test_without_authentication_principal_headers_are_ignored(
    authentication: str, principal: ClientPrincipal | StaticWebAppsPrincipal
) -> None:
    status, page = await list_carts("bob", as_principal(principal))
    assert (status, page["carts"]) == (200, [])
    status, _ = await list_carts("me", as_principal(principal))
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


@pytest.mark.parametrize("authentication", ["staticwebapps"], indirect=True)
async def test_behind_the_site_its_user_id_is_the_customer(authentication: str) -> None:
    created = await CreateShoppingCart.main(
        http_request(
            "POST", "customers/me/carts", {"customer": "me"}, headers=as_principal(ANNA_AT_THE_SITE)
        )
    )
    assert created.status_code == 201
    assert json_of(created)["customer"] == "anna-uid"
    assert created.headers["Location"].startswith("/api/customers/anna-uid/carts/")
    for handle in ("me", "anna-uid"):
        status, page = await list_carts(handle, as_principal(ANNA_AT_THE_SITE))
        assert (status, len(page["carts"])) == (200, 1)
    # Bob's userDetails reads "anna-uid": a display name is never an identity.
    status, page = await list_carts("me", as_principal(BOB_AT_THE_SITE))
    assert (status, page["carts"]) == (200, [])
    status, problem = await list_carts("anna-uid", as_principal(BOB_AT_THE_SITE))
    assert (status, problem["type"]) == (404, "urn:pierogi-shop:problem:customer-not-found")


@pytest.mark.parametrize("authentication", ["staticwebapps"], indirect=True)
@pytest.mark.parametrize("handle", ["bob-uid", "anna@example.com", "Anna-uid", "anna-oid"])
async def test_behind_the_site_a_route_naming_anyone_else_is_not_found(
    authentication: str, handle: str
) -> None:
    status, problem = await list_carts(handle, as_principal(ANNA_AT_THE_SITE))
    assert (status, problem["type"]) == (404, "urn:pierogi-shop:problem:customer-not-found")


@pytest.mark.parametrize("authentication", ["staticwebapps"], indirect=True)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-MS-CLIENT-PRINCIPAL": "%%%"},
        # A visitor the site has not signed in.
        as_principal(StaticWebAppsPrincipal("", "", "", ("anonymous",))),
        # App Service's shape is not read in this mode: it identifies nobody.
        as_principal(ANNA),
    ],
)
async def test_behind_the_site_no_signed_in_user_is_a_401(
    authentication: str, headers: dict[str, str]
) -> None:
    status, problem = await list_carts("me", headers)
    assert (status, problem["type"]) == (401, "urn:pierogi-shop:problem:unauthenticated")


@pytest.mark.parametrize("authentication", ["staticwebapps"], indirect=True)
@pytest.mark.parametrize("user_id", ["", "me", "has space", "x" * 65])
async def test_behind_the_site_a_user_without_a_usable_id_is_a_403(
    authentication: str, user_id: str
) -> None:
    principal = StaticWebAppsPrincipal("aad", user_id, "anna@example.com", SIGNED_IN)
    status, problem = await list_carts("me", as_principal(principal))
    assert (status, problem["type"]) == (403, "urn:pierogi-shop:problem:no-shopper-identity")


@pytest.mark.parametrize("authentication", ["appservice"], indirect=True)
async def test_with_app_service_authentication_the_sites_shape_identifies_nobody(
    authentication: str,
) -> None:
    status, problem = await list_carts("me", as_principal(ANNA_AT_THE_SITE))
    assert (status, problem["type"]) == (403, "urn:pierogi-shop:problem:no-shopper-identity")
