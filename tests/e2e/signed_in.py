"""Signing in to a local host running with Authentication=appservice, as a browser would."""

from urllib.parse import urlencode

import httpx

from tests.e2e.api_client import ApiClient
from tests.e2e.conftest import HostProcess

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def sign_in(
    client: ApiClient,
    host: HostProcess,
    object_id: str,
    *,
    name: str = "",
    roles: str = "",
    query: str = "",
) -> httpx.Response:
    """POST the development sign-in form; the client keeps the session cookie it sets."""
    form = urlencode({"object_id": object_id, "name": name, "roles": roles}).encode()
    return client.request(
        "POST", f"{host.base_url}/.auth/login/dev{query}", content=form, headers=FORM
    )


def signed_in_client(host: HostProcess, object_id: str, name: str = "") -> ApiClient:
    """A client on the API root with a signed-in session for ``object_id``. Close it."""
    client = host.client()
    response = sign_in(client, host, object_id, name=name)
    assert response.status_code == 302, response.text
    return client
