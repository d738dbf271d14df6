"""The signed-in principal App Service authentication passes to the app.

App Service authentication ("Easy Auth") validates the caller's token before any function runs
and injects the result as request headers (Azure docs, "Work with user identities in Azure App
Service authentication"):

* ``X-MS-CLIENT-PRINCIPAL``: Base64-encoded JSON ``{"auth_typ": "aad", "claims": [{"typ": ...,
  "val": ...}], "name_typ": ..., "role_typ": ...}``; claim types have gone through the default
  claims mapping, so Entra ID's ``oid`` arrives as ``OBJECT_ID_CLAIM``;
* ``X-MS-CLIENT-PRINCIPAL-ID`` (the provider's id for the caller), ``-NAME`` (a human-readable
  name such as the e-mail address) and ``-IDP`` (the provider).

The platform strips client-sent copies of these headers, so they are trusted only when the app
runs behind it (``Authentication=appservice``); local_host/app_service_auth.py imitates it.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from shared.api.http import HttpRequestLike, header

PRINCIPAL_HEADER = "X-MS-CLIENT-PRINCIPAL"
PRINCIPAL_ID_HEADER = "X-MS-CLIENT-PRINCIPAL-ID"
PRINCIPAL_NAME_HEADER = "X-MS-CLIENT-PRINCIPAL-NAME"
PRINCIPAL_IDP_HEADER = "X-MS-CLIENT-PRINCIPAL-IDP"

# Entra ID's object id after App Service's claims mapping; "oid" where a provider keeps it short.
OBJECT_ID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier"
OBJECT_ID_CLAIMS = (OBJECT_ID_CLAIM, "oid")
# The name and role claim types App Service reports for Entra ID (name_typ, role_typ).
NAME_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
ROLE_CLAIM = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"


class UnreadablePrincipal(ValueError):
    """The principal header is not Base64-encoded JSON of the documented shape."""


@dataclass(frozen=True)
class Claim:
    typ: str
    val: str


@dataclass(frozen=True)
class ClientPrincipal:
    auth_typ: str
    claims: tuple[Claim, ...]
    name_typ: str
    role_typ: str

    def first(self, *types: str) -> str | None:
        """The value of the first claim of one of ``types`` (in the order given)."""
        for typ in types:
            for claim in self.claims:
                if claim.typ == typ:
                    return claim.val
        return None

    @property
    def object_id(self) -> str | None:
        """The stable, provider-assigned identity of the user (never a display name)."""
        return self.first(*OBJECT_ID_CLAIMS)

    @property
    def name(self) -> str | None:
        return self.first(self.name_typ)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(claim.val for claim in self.claims if claim.typ == self.role_typ)

    def to_json(self) -> dict[str, object]:
        return {
            "auth_typ": self.auth_typ,
            "claims": [{"typ": claim.typ, "val": claim.val} for claim in self.claims],
            "name_typ": self.name_typ,
            "role_typ": self.role_typ,
        }

    def encode(self) -> str:
        """The X-MS-CLIENT-PRINCIPAL header value."""
        return base64.b64encode(json.dumps(self.to_json()).encode("utf-8")).decode("ascii")


def decode_principal(value: str) -> ClientPrincipal:
    try:
        document = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError) as error:
        raise UnreadablePrincipal(f"not Base64-encoded JSON: {error}") from None
    if not isinstance(document, dict):
        raise UnreadablePrincipal("not a JSON object")
    raw_claims = document.get("claims", [])
    if not isinstance(raw_claims, list) or not all(
        isinstance(c, dict) and isinstance(c.get("typ"), str) and isinstance(c.get("val"), str)
        for c in raw_claims
    ):
        raise UnreadablePrincipal("'claims' is not a list of {typ, val} strings")
    texts = [document.get(key, "") for key in ("auth_typ", "name_typ", "role_typ")]
    if not all(isinstance(text, str) for text in texts):
        raise UnreadablePrincipal("auth_typ, name_typ and role_typ must be strings")
    return ClientPrincipal(
        auth_typ=texts[0],
        claims=tuple(Claim(c["typ"], c["val"]) for c in raw_claims),
        name_typ=texts[1] or NAME_CLAIM,
        role_typ=texts[2] or ROLE_CLAIM,
    )


def principal_of(request: HttpRequestLike) -> ClientPrincipal | None:
    """The principal the platform passed, None when the caller is anonymous.

    Read only in ``Authentication=appservice`` mode: elsewhere the client may have set it.
    """
    value = header(request, PRINCIPAL_HEADER)
    return None if value is None else decode_principal(value)
