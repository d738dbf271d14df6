"""The local App Service authentication's session: it lasts eight hours, as App Service's does."""

import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from local_platform.app_service_auth import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    AppServiceAuthentication,
)


async def test_a_session_ends_when_its_eight_hours_are_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    authentication = AppServiceAuthentication()
    app = web.Application()
    app.router.add_route("*", "/{path:.*}", authentication.handle)
    signed_in_at = time.time()
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        monkeypatch.setattr(time, "time", lambda: signed_in_at)
        signed = await client.post(
            "/.auth/login/dev", data={"object_id": "anna-oid"}, allow_redirects=False
        )
        assert signed.status == 302
        headers = {"Cookie": f"{SESSION_COOKIE}={signed.cookies[SESSION_COOKIE].value}"}

        monkeypatch.setattr(time, "time", lambda: signed_in_at + SESSION_SECONDS - 60)
        me = await client.get("/.auth/me", headers=headers)
        assert me.status == 200
        (entry,) = await me.json()
        assert entry["expires_on"] == time.strftime(
            "%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime(int(signed_in_at) + SESSION_SECONDS)
        )

        monkeypatch.setattr(time, "time", lambda: signed_in_at + SESSION_SECONDS + 2)
        assert (await client.get("/.auth/me", headers=headers)).status == 401
