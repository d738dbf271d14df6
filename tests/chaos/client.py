"""Shoppers: create a cart, add pierogi, submit - retrying as a real client would.

A request whose connection failed (the web process crashed or is restarting) is sent again,
within a time bound. A repeated submit is safe: it returns the same order. A repeated
create or add may leave an extra empty cart or a larger quantity, which is harmless here.
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


class GaveUp(Exception):
    pass


@dataclass
class ClientLedger:
    """What the shoppers know: the carts they submitted and the submits that were accepted."""

    submit_attempted: set[str] = field(default_factory=set)
    accepted: set[str] = field(default_factory=set)
    gave_up: int = 0
    retried_requests: int = 0


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
                continue
            raise AssertionError(
                f"{method} {path} answered {response.status_code}: {response.text[:500]}"
            )
        raise GaveUp(f"{method} {path}: no answer within {self._give_up_after}s")
