"""The signed-in principal the platform in front of the app passes to it, in either shape.

App Service authentication ("Easy Auth") validates the caller's token before any function runs
and injects the result as request headers (Azure docs, "Work with user identities in Azure App
Service authentication"):

* ``X-MS-CLIENT-PRINCIPAL``: Base64-encoded JSON ``{"auth_typ": "aad", "claims": [{"typ": ...,
  "val": ...}], "name_typ": ..., "role_typ": ...}``; claim types have gone through the default
  claims mapping, so Entra ID's ``oid`` arrives as ``OBJECT_ID_CLAIM``;
* ``X-MS-CLIENT-PRINCIPAL-ID`` (the provider's id for the caller), ``-NAME`` (a human-readable
  name such as the e-mail address) and ``-IDP`` (the provider).

Azure Static Web Apps, with this function app linked as its backend, signs the shopper in at
the site and passes its own principal in the same ``X-MS-CLIENT-PRINCIPAL`` header, in another
shape (Azure docs, "Accessing user information in Azure Static Web Apps"): Base64-encoded JSON
``{"identityProvider": "aad", "userId": ..., "userDetails": ..., "userRoles": ["anonymous",
"authenticated"]}``, no claims. ``userId`` is the site's stable id for the user; ``userDetails``
is a name or e-mail address the user may change, never an identity.

The platform strips client-sent copies of the header, so it is trusted only in the one mode
that says which platform is in front (``Authentication=appservice``, imitated locally by
local_platform/app_service_auth.py, or ``Authentication=staticwebapps``), and read in that
mode's shape only.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol

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


# The Static Web Apps role every signed-in user has.
AUTHENTICATED_ROLE = "authenticated"

# The modes in which a platform in front of the app passes a principal, and its shape.
SignedInAuthentication = Literal["appservice", "staticwebapps"]


class UnreadablePrincipal(ValueError):
    """The principal header is not Base64-encoded JSON of the documented shape."""


class SignedInPrincipal(Protocol):
    @property
    def shopper_id(self) -> str | None:
        """The stable id a shopper's data is keyed by; None when the principal carries none."""


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
    def shopper_id(self) -> str | None:
        return self.object_id

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


@dataclass(frozen=True)
class StaticWebAppsPrincipal:
    identity_provider: str
    user_id: str
    user_details: str
    user_roles: tuple[str, ...]

    @property
    def signed_in(self) -> bool:
        return AUTHENTICATED_ROLE in self.user_roles

    @property
    def shopper_id(self) -> str | None:
        """``userId``, never ``userDetails`` (a display name or address the user can change)."""
        return self.user_id or None

    def to_json(self) -> dict[str, object]:
        return {
            "identityProvider": self.identity_provider,
            "userId": self.user_id,
            "userDetails": self.user_details,
            "userRoles": list(self.user_roles),
        }

    def encode(self) -> str:
        """The x-ms-client-principal header value Static Web Apps sends."""
        return base64.b64encode(json.dumps(self.to_json()).encode("utf-8")).decode("ascii")


def _json_object(value: str) -> dict[str, Any]:
    try:
        document = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError) as error:
        raise UnreadablePrincipal(f"not Base64-encoded JSON: {error}") from None
    if not isinstance(document, dict):
        raise UnreadablePrincipal("not a JSON object")
    return document


def decode_static_web_apps_principal(value: str) -> StaticWebAppsPrincipal:
    document = _json_object(value)
    texts = [document.get(key, "") for key in ("identityProvider", "userId", "userDetails")]
    if not all(isinstance(text, str) for text in texts):
        raise UnreadablePrincipal("identityProvider, userId and userDetails must be strings")
    roles = document.get("userRoles", [])
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise UnreadablePrincipal("'userRoles' is not a list of strings")
    return StaticWebAppsPrincipal(
        identity_provider=texts[0],
        user_id=texts[1],
        user_details=texts[2],
        user_roles=tuple(roles),
    )


def decode_principal(value: str) -> ClientPrincipal:
    document = _json_object(value)
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


def principal_of(
    request: HttpRequestLike, authentication: SignedInAuthentication
) -> SignedInPrincipal | None:
    """The principal the platform of ``authentication`` passed; None when the caller is anonymous.

    Called only in those modes: with ``Authentication=none`` the client may have set the header.
    Each mode reads its own platform's shape and nothing else: a principal of the other shape
    identifies no shopper (it is never reinterpreted).
    """
    value = header(request, PRINCIPAL_HEADER)
    if value is None:
        return None
    if authentication == "appservice":
        return decode_principal(value)
    principal = decode_static_web_apps_principal(value)
    # Static Web Apps may describe an anonymous visitor (roles ["anonymous"] only).
    return principal if principal.signed_in else None
