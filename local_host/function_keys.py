"""Function keys for HTTP functions whose ``authLevel`` is ``function`` or ``admin``.

In Azure the Functions host answers such a request 401 (empty body) unless it carries a valid
key in the ``x-functions-key`` header or the ``code`` query parameter: for ``function`` a
function key or the master key, for ``admin`` the master key only. `func start` skips the check
on a developer's machine; this host does not, so a route that needs a key locally needs one in
Azure too, and nothing that works here fails there for a missing key. The keys are made at
start and printed, since this host has no key store (in Azure they live in the host's secrets).
"""

import hmac
import secrets
from collections.abc import Iterable

from aiohttp import web

KEY_HEADER = "x-functions-key"
KEY_QUERY = "code"


def _new_key() -> str:
    return secrets.token_urlsafe(40)


class FunctionKeys:
    def __init__(self, *, master: str | None = None, default: str | None = None) -> None:
        self.master = master or _new_key()
        self.default = default or _new_key()

    def admits(self, auth_level: str, request: web.Request) -> bool:
        if auth_level == "anonymous":
            return True
        supplied = request.headers.get(KEY_HEADER) or request.query.get(KEY_QUERY)
        if not supplied:
            return False
        accepted: Iterable[str] = (
            (self.master,) if auth_level == "admin" else (self.master, self.default)
        )
        # Every key is compared, in constant time each: the answer's timing reveals nothing.
        matches = [hmac.compare_digest(supplied.encode(), key.encode()) for key in accepted]
        return any(matches)
