"""App Service authentication ("Easy Auth") imitated, as the Static Web Apps CLI imitates it.

Served only with ``Authentication=appservice``:

* ``GET /.auth/login/<provider>``: a development sign-in form (no password: pick an object id,
  a name, roles and extra claims); ``POST`` to the same URL signs in, sets the session cookie
  and redirects to ``post_login_redirect_uri`` (a path on this host; default ``/``);
* ``GET /.auth/me``: 200 with ``[{"provider_name", "user_id", "user_claims", "expires_on"}]``
  when signed in (App Service's shape, without provider tokens), 401 when not;
* ``GET /.auth/logout``: clears the cookie and redirects to ``post_logout_redirect_uri``
  (default ``/.auth/logout/complete``).

On every request for a function, client-sent ``X-MS-CLIENT-PRINCIPAL*`` and ``X-MS-TOKEN-*``
headers are dropped, as the platform drops them, and a signed-in session's principal is injected
in the same headers the platform sets. Like App Service with "Allow unauthenticated requests",
anonymous requests still reach the functions: the app itself answers 401 where it needs a
shopper. The session cookie is signed with a key made at start, so a restart signs everyone out.
"""

import html
import re
import secrets
import time
import uuid
from collections.abc import Mapping
from http import HTTPStatus

from aiohttp import web
from itsdangerous import BadData, URLSafeTimedSerializer
from multidict import CIMultiDict

from local_host.problems import problem_response
from shared.api.principal import (
    NAME_CLAIM,
    OBJECT_ID_CLAIM,
    PRINCIPAL_HEADER,
    PRINCIPAL_ID_HEADER,
    PRINCIPAL_IDP_HEADER,
    PRINCIPAL_NAME_HEADER,
    ROLE_CLAIM,
    Claim,
    ClientPrincipal,
    decode_principal,
)
from shared.api.validation import CUSTOMER_PATTERN

AUTH_PATH = "/.auth"
# App Service's session cookie name; it lives 8 hours there by default.
SESSION_COOKIE = "AppServiceAuthSession"
SESSION_SECONDS = 8 * 3600
PROVIDERS = frozenset({"aad", "apple", "dev", "facebook", "github", "google", "twitter"})
LOGOUT_COMPLETE = f"{AUTH_PATH}/logout/complete"
# Headers only the platform may set; client-sent copies never reach a function.
_PLATFORM_HEADER_PREFIXES = ("x-ms-client-principal", "x-ms-token-")
_LOGIN_PATH = re.compile(r"^/\.auth/login/([A-Za-z0-9_-]+)/?$")
_MAX_FORM_FIELD = 4096


class AppServiceAuthentication:
    """The /.auth endpoints and the principal headers for one local host process."""

    def __init__(self) -> None:
        # Signed and timed session cookies with a key made at start (a restart signs everyone
        # out): itsdangerous' URL-safe tokens are cookie-safe, so the value travels unquoted.
        self._sessions = URLSafeTimedSerializer(secrets.token_bytes(32), salt=SESSION_COOKIE)

    @staticmethod
    def serves(path: str) -> bool:
        return path == AUTH_PATH or path.startswith(f"{AUTH_PATH}/")

    async def handle(self, request: web.Request) -> web.Response:
        path = request.rel_url.path
        login = _LOGIN_PATH.match(path)
        if login is not None and login[1] in PROVIDERS:
            if request.method == "GET":
                return self._login_form(request, login[1])
            if request.method == "POST":
                return await self._sign_in(request, login[1])
            return _method_not_allowed(request, "GET, POST")
        endpoints = {
            f"{AUTH_PATH}/me": self._me,
            f"{AUTH_PATH}/logout": self._logout,
            LOGOUT_COMPLETE: self._logout_complete,
        }
        endpoint = endpoints.get(path.rstrip("/"))
        if endpoint is None:
            return problem_response(
                HTTPStatus.NOT_FOUND, f"Nothing is served at {path}.", instance=path
            )
        if request.method != "GET":
            return _method_not_allowed(request, "GET")
        return endpoint(request)

    def forwarded(self, request: web.Request) -> web.Request:
        """The request as the platform hands it to the host: client-sent copies of the
        platform's headers dropped, the signed-in session's principal added."""
        session = self._session(request)
        sent_by_client = any(
            name.lower().startswith(_PLATFORM_HEADER_PREFIXES) for name in request.headers
        )
        if session is None and not sent_by_client:
            return request  # nothing to drop or add: most API requests, passed on as they are
        headers: CIMultiDict[str] = CIMultiDict(
            (name, value)
            for name, value in request.headers.items()
            if not name.lower().startswith(_PLATFORM_HEADER_PREFIXES)
        )
        if session is not None:
            headers.extend(principal_headers(session[0]))
        return request.clone(headers=headers)

    def _session(self, request: web.Request) -> tuple[ClientPrincipal, int] | None:
        """The signed-in principal and when the session ends (Unix time), or None."""
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        try:
            encoded, signed_at = self._sessions.loads(
                cookie,
                max_age=SESSION_SECONDS,
                return_timestamp=True,
            )
            principal = decode_principal(encoded)
        except (BadData, ValueError, TypeError):
            return None
        return principal, int(signed_at.timestamp()) + SESSION_SECONDS

    # -- endpoints -------------------------------------------------------------------------

    def _login_form(self, request: web.Request, provider: str) -> web.Response:
        if _local_redirect(request.query.get("post_login_redirect_uri"), "/") is None:
            return _bad_request(request, "post_login_redirect_uri must be a path on this host.")
        return _html(HTTPStatus.OK, _login_page(provider, request.rel_url.raw_path_qs))

    async def _sign_in(self, request: web.Request, provider: str) -> web.Response:
        redirect = _local_redirect(request.query.get("post_login_redirect_uri"), "/")
        if redirect is None:
            return _bad_request(request, "post_login_redirect_uri must be a path on this host.")
        form = await request.post()
        fields = {name: str(form.get(name, "")).strip() for name in ("object_id", "name")}
        fields.update(roles=str(form.get("roles", "")), claims=str(form.get("claims", "")))
        if any(len(value) > _MAX_FORM_FIELD for value in fields.values()):
            return _bad_request(request, "A sign-in field is too long.")
        object_id = fields["object_id"]
        if not CUSTOMER_PATTERN.fullmatch(object_id) or object_id == "me":
            return _bad_request(
                request,
                "object_id must be 1-64 letters, digits, '-', '_' or '.' (and not 'me').",
            )
        try:
            extra = _parse_claims(fields["claims"])
        except ValueError as error:
            return _bad_request(request, str(error))
        principal = dev_principal(
            provider,
            object_id=object_id,
            name=fields["name"] or object_id,
            roles=[role.strip() for role in fields["roles"].split(",") if role.strip()],
            extra_claims=extra,
        )
        response = web.Response(status=HTTPStatus.FOUND.value, headers={"Location": redirect})
        response.set_cookie(
            SESSION_COOKIE,
            self._sessions.dumps(principal.encode()),
            path="/",
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="Lax",
        )
        return response

    def _me(self, request: web.Request) -> web.Response:
        found = self._session(request)
        if found is None:
            return problem_response(
                HTTPStatus.UNAUTHORIZED, "Not signed in.", instance=request.rel_url.path
            )
        principal, expires = found
        entry = {
            "provider_name": principal.auth_typ,
            # App Service reports the provider's user name (e.g. the e-mail address) here.
            "user_id": principal.name or principal.object_id,
            "user_claims": [{"typ": c.typ, "val": c.val} for c in principal.claims],
            "expires_on": time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime(expires)),
        }
        return web.json_response([entry], headers={"Cache-Control": "no-store"})

    def _logout(self, request: web.Request) -> web.Response:
        redirect = _local_redirect(request.query.get("post_logout_redirect_uri"), LOGOUT_COMPLETE)
        if redirect is None:
            return _bad_request(request, "post_logout_redirect_uri must be a path on this host.")
        response = web.Response(status=HTTPStatus.FOUND.value, headers={"Location": redirect})
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    @staticmethod
    def _logout_complete(request: web.Request) -> web.Response:
        return _html(
            HTTPStatus.OK,
            "<!doctype html><title>Signed out</title><p>You have been signed out.</p>",
        )


def dev_principal(
    provider: str,
    *,
    object_id: str,
    name: str,
    roles: list[str],
    extra_claims: list[Claim],
) -> ClientPrincipal:
    """A principal shaped as App Service passes one for Entra ID, from the sign-in form."""
    return ClientPrincipal(
        auth_typ=provider,
        claims=(
            Claim(OBJECT_ID_CLAIM, object_id),
            Claim(NAME_CLAIM, name),
            Claim("name", name),
            *(Claim(ROLE_CLAIM, role) for role in roles),
            *extra_claims,
        ),
        name_typ=NAME_CLAIM,
        role_typ=ROLE_CLAIM,
    )


def principal_headers(principal: ClientPrincipal) -> Mapping[str, str]:
    """The headers App Service injects for a signed-in principal."""
    return {
        PRINCIPAL_HEADER: principal.encode(),
        PRINCIPAL_ID_HEADER: principal.object_id or "",
        PRINCIPAL_NAME_HEADER: principal.name or "",
        PRINCIPAL_IDP_HEADER: principal.auth_typ,
    }


def _parse_claims(text: str) -> list[Claim]:
    """Extra claims, one ``type=value`` per line."""
    claims = []
    for line in text.splitlines():
        if not line.strip():
            continue
        typ, separator, val = line.partition("=")
        if not separator or not typ.strip():
            raise ValueError(f"Each claim is one 'type=value' line; got {line!r}.")
        claims.append(Claim(typ.strip(), val.strip()))
    return claims


def _local_redirect(target: str | None, default: str) -> str | None:
    """A redirect target on this host only (no open redirect); None when it points elsewhere."""
    if target is None or target == "":
        return default
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _login_page(provider: str, action: str) -> str:
    escaped = html.escape(action, quote=True)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Development sign-in</title></head>
<body>
<h1>Development sign-in ({html.escape(provider)})</h1>
<p>Local imitation of App Service authentication: no password, pick who you are.</p>
<form method="post" action="{escaped}">
<p><label>Object id (the stable id the shop keys your carts by)
<input name="object_id" required pattern="[A-Za-z0-9_.\\-]{{1,64}}"
 value="{uuid.uuid4()}"></label></p>
<p><label>Name <input name="name" placeholder="anna@example.com"></label></p>
<p><label>Roles (comma-separated) <input name="roles"></label></p>
<p><label>More claims (one type=value per line)<br>
<textarea name="claims" rows="3" cols="50"></textarea></label></p>
<p><button type="submit">Sign in</button></p>
</form>
</body></html>
"""


def _html(status: HTTPStatus, page: str) -> web.Response:
    return web.Response(
        status=status.value,
        body=page.encode("utf-8"),
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


def _bad_request(request: web.Request, detail: str) -> web.Response:
    return problem_response(HTTPStatus.BAD_REQUEST, detail, instance=request.rel_url.path)


def _method_not_allowed(request: web.Request, allowed: str) -> web.Response:
    return problem_response(
        HTTPStatus.METHOD_NOT_ALLOWED,
        f"{request.rel_url.path} does not accept {request.method}.",
        instance=request.rel_url.path,
        headers={"Allow": allowed},
    )
