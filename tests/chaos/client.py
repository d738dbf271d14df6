"""Shoppers: create a cart, add pierogi, submit - retrying as a real client would.

A request whose connection failed (the web process crashed or is restarting) is sent again,
within a time bound. A repeated submit is safe: it returns the same order. A repeated
create or add may leave an extra empty cart or a larger quantity, which is harmless here.

A 5xx answer is not retried: no injected fault makes the web answer one (an injected crash
ends the process, which the client sees as a failed connection; an injected send failure
still answers 202). So a 5xx is a bug. It is recorded, ends that shopper's order and fails
the run.
"""

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

PRODUCTS = ("meat", "mushrooms", "ruskie", "swiss-cheese", "strawberry")
REQUEST_TIMEOUT_SECONDS = 10.0
RETRY_PAUSE_SECONDS = 0.1


BODY_EXCERPT_CHARACTERS = 300


class GaveUp(Exception):
    pass


@dataclass(frozen=True)
class ServerError:
    """A 5xx answer, with what is needed to find it in the web's log."""

    method: str
    path: str
    status: int
    body: str  # the first BODY_EXCERPT_CHARACTERS characters
    at: str  # UTC, as the host logs it: 2026-11-28T12:00:00.123Z
    base_url: str  # tells the web incarnation apart (each listens on a new port)

    def __str__(self) -> str:
        return f"{self.at} {self.method} {self.path} ({self.base_url}) {self.status}: {self.body}"


class ServerErrorAnswered(Exception):
    def __init__(self, error: ServerError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class ClientLedger:
    """What the shoppers know: the carts they submitted and the submits that were accepted."""

    submit_attempted: set[str] = field(default_factory=set)
    accepted: set[str] = field(default_factory=set)
    gave_up: int = 0
    retried_requests: int = 0
    server_errors: list[ServerError] = field(default_factory=list)


class Shopper:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: Callable[[], str | None],
        ledger: ClientLedger,
        *,
        give_up_after: float,
    ) -> None:
        self._http = http
        self._base_url = base_url
        self._ledger = ledger
        self._give_up_after = give_up_after

    async def place_order(self, customer: str, rng: random.Random) -> None:
        try:
            created = await self._request("POST", f"/customers/{customer}/carts", expect=201)
            cart_id: str = created.json()["id"]
            for product in rng.sample(PRODUCTS, rng.randint(1, 2)):
                await self._request(
                    "POST",
                    f"/customers/{customer}/carts/{cart_id}/items",
                    expect=200,
                    json={"productId": product, "quantity": rng.randint(1, 3)},
                )
            self._ledger.submit_attempted.add(cart_id)
            submitted = await self._request(
                "POST", f"/customers/{customer}/carts/{cart_id}/submit", expect=202
            )
            if submitted.json()["orderId"] == cart_id:
                self._ledger.accepted.add(cart_id)
        except GaveUp:
            self._ledger.gave_up += 1
        except ServerErrorAnswered:
            pass  # recorded in the ledger; the run fails

    async def _request(self, method: str, path: str, *, expect: int, **kw: Any) -> httpx.Response:
        deadline = time.monotonic() + self._give_up_after
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            if attempt > 1:
                self._ledger.retried_requests += 1
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
            base = self._base_url()
            if base is None:  # the web process is restarting
                continue
            try:
                response = await self._http.request(method, f"{base}/api{path}", **kw)
            except httpx.TransportError:
                continue  # connection refused or reset: the process died mid-request
            if response.status_code == expect:
                return response
            if response.status_code >= 500:
                error = ServerError(
                    method=method,
                    path=path,
                    status=response.status_code,
                    body=response.text[:BODY_EXCERPT_CHARACTERS],
                    at=utc_now(),
                    base_url=base,
                )
                self._ledger.server_errors.append(error)
                raise ServerErrorAnswered(error)
            raise AssertionError(
                f"{method} {path} answered {response.status_code}: {response.text[:500]}"
            )
        raise GaveUp(f"{method} {path}: no answer within {self._give_up_after}s")


def utc_now() -> str:
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    return f"{stamp}.{int(now % 1 * 1000):03d}Z"
