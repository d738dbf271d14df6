"""The X-MS-CLIENT-PRINCIPAL header as App Service documents it, decoded and refused."""

import base64
import json

import pytest

from shared.api.principal import (
    NAME_CLAIM,
    OBJECT_ID_CLAIM,
    ROLE_CLAIM,
    Claim,
    ClientPrincipal,
    UnreadablePrincipal,
    decode_principal,
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
