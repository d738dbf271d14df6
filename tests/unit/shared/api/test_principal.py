"""The X-MS-CLIENT-PRINCIPAL header as App Service and Static Web Apps document it, decoded and
refused, and read in the shape of the configured mode only."""

import base64
import json

import azure.functions as func
import pytest

from shared.api.principal import (
    NAME_CLAIM,
    OBJECT_ID_CLAIM,
    ROLE_CLAIM,
    Claim,
    ClientPrincipal,
    StaticWebAppsPrincipal,
    UnreadablePrincipal,
    decode_principal,
    decode_static_web_apps_principal,
    principal_of,
)

# The decoded payload's documented shape ("Decoding the client principal header"), filled in
# as App Service fills it for a Microsoft Entra ID user after its default claims mapping.
DOCUMENTED_PAYLOAD = {
    "auth_typ": "aad",
    "claims": [
        {"typ": OBJECT_ID_CLAIM, "val": "6f1c2a3b-0000-4000-8000-0123456789ab"},
        {"typ": NAME_CLAIM, "val": "anna@example.com"},
        {"typ": "http://schemas.microsoft.com/identity/claims/tenantid", "val": "t-1"},
        {"typ": ROLE_CLAIM, "val": "shop.operator"},
    ],
    "name_typ": NAME_CLAIM,
    "role_typ": ROLE_CLAIM,
}


def encoded(document: object) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def test_the_documented_payload_decodes_to_its_object_id_name_and_roles() -> None:
    principal = decode_principal(encoded(DOCUMENTED_PAYLOAD))
    assert principal.auth_typ == "aad"
    assert principal.object_id == "6f1c2a3b-0000-4000-8000-0123456789ab"
    assert principal.name == "anna@example.com"
    assert principal.roles == frozenset({"shop.operator"})


def test_the_short_oid_claim_also_names_the_object() -> None:
    document = {**DOCUMENTED_PAYLOAD, "claims": [{"typ": "oid", "val": "abc-1"}]}
    assert decode_principal(encoded(document)).object_id == "abc-1"


def test_a_principal_without_an_object_id_has_none_even_with_a_name() -> None:
    document = {**DOCUMENTED_PAYLOAD, "claims": [{"typ": NAME_CLAIM, "val": "anna"}]}
    principal = decode_principal(encoded(document))
    assert principal.object_id is None
    assert principal.name == "anna"


def test_encoding_is_the_inverse_of_decoding() -> None:
    principal = ClientPrincipal(
        "dev", (Claim(OBJECT_ID_CLAIM, "anna"), Claim(ROLE_CLAIM, "r")), NAME_CLAIM, ROLE_CLAIM
    )
    assert decode_principal(principal.encode()) == principal
    assert json.loads(base64.b64decode(principal.encode())) == principal.to_json()


@pytest.mark.parametrize(
    "value",
    [
        "not base64!",
        base64.b64encode(b"not json").decode(),
        encoded(["a list"]),
        encoded({"claims": "anna"}),
        encoded({"claims": [{"typ": "oid", "val": 10000}]}),
        encoded({"auth_typ": 1, "claims": []}),
    ],
)
def test_a_malformed_principal_is_unreadable(value: str) -> None:
    with pytest.raises(UnreadablePrincipal):
        decode_principal(value)


# The documented Static Web Apps client principal ("Accessing user information in Azure Static
# Web Apps"), as a linked function app receives it: no claims.
STATIC_WEB_APPS_PAYLOAD = {
    "identityProvider": "aad",
    "userId": "d75b260a64504067bfc5b2905e3b8182",
    "userDetails": "anna@example.com",
    "userRoles": ["anonymous", "authenticated"],
}


def test_the_static_web_apps_payload_decodes_to_its_user_id_as_the_shopper() -> None:
    principal = decode_static_web_apps_principal(encoded(STATIC_WEB_APPS_PAYLOAD))
    assert principal == StaticWebAppsPrincipal(
        "aad",
        "d75b260a64504067bfc5b2905e3b8182",
        "anna@example.com",
        ("anonymous", "authenticated"),
    )
    assert principal.signed_in
    # The stable id, never userDetails (a name or address the user can change).
    assert principal.shopper_id == "d75b260a64504067bfc5b2905e3b8182"
    assert decode_static_web_apps_principal(principal.encode()) == principal


def test_a_static_web_apps_principal_without_a_user_id_identifies_no_shopper() -> None:
    document = {**STATIC_WEB_APPS_PAYLOAD, "userId": ""}
    assert decode_static_web_apps_principal(encoded(document)).shopper_id is None


@pytest.mark.parametrize(
    "document",
    [
        ["a list"],
        {**STATIC_WEB_APPS_PAYLOAD, "userId": 12},
        {**STATIC_WEB_APPS_PAYLOAD, "userDetails": None},
        {**STATIC_WEB_APPS_PAYLOAD, "userRoles": "authenticated"},
        {**STATIC_WEB_APPS_PAYLOAD, "userRoles": [1]},
    ],
)
def test_a_malformed_static_web_apps_principal_is_unreadable(document: object) -> None:
    with pytest.raises(UnreadablePrincipal):
        decode_static_web_apps_principal(encoded(document))


def with_principal(value: str) -> func.HttpRequest:
    return func.HttpRequest(
        method="GET",
        url="http://localhost/api/customers/me/carts",
        headers={"x-ms-client-principal": value},
        body=b"",
        route_params={"customer": "me"},
    )


def test_each_mode_reads_its_own_platform_shape() -> None:
    site = encoded(STATIC_WEB_APPS_PAYLOAD)
    app_service = encoded(DOCUMENTED_PAYLOAD)
    swa = principal_of(with_principal(site), "staticwebapps")
    easy_auth = principal_of(with_principal(app_service), "appservice")
    assert swa is not None
    assert swa.shopper_id == "d75b260a64504067bfc5b2905e3b8182"
    assert easy_auth is not None
    assert easy_auth.shopper_id == "6f1c2a3b-0000-4000-8000-0123456789ab"


def test_a_principal_of_the_other_shape_identifies_no_shopper() -> None:
    # App Service's shape has no userRoles, so to the site's reader it is no signed-in user...
    read_as_site = principal_of(
        with_principal(encoded(DOCUMENTED_PAYLOAD)),
        "staticwebapps",
    )
    assert read_as_site is None
    # ...and the site's shape has no object id claim for App Service's reader.
    read_as_app_service = principal_of(
        with_principal(encoded(STATIC_WEB_APPS_PAYLOAD)),
        "appservice",
    )
    assert read_as_app_service is not None
    assert read_as_app_service.shopper_id is None


def test_a_static_web_apps_visitor_who_has_not_signed_in_is_anonymous() -> None:
    anonymous = {**STATIC_WEB_APPS_PAYLOAD, "userRoles": ["anonymous"]}
    assert principal_of(with_principal(encoded(anonymous)), "staticwebapps") is None
