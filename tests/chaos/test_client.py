"""The shoppers retry failed connections, but record a 5xx answer instead of retrying it."""

import dataclasses
import random

import httpx

from tests.chaos.checker import Verdict
from tests.chaos.client import ClientLedger, Shopper

BASE = "http://web.test"
CART = "6d7a4b1e-2f0c-4e4e-9a55-0b1c7f0e8a11"


async def place_one(answers: list[httpx.Response | Exception]) -> ClientLedger:
    """One order against a fake web whose submit answers come from the list, in turn."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/carts"):
            return httpx.Response(201, json={"id": CART})
        if path.endswith("/items"):
            return httpx.Response(200, json={})
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    ledger = ClientLedger()
    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        shopper = Shopper(http, lambda: BASE, ledger, give_up_after=5.0)
        await shopper.place_order("shopper1", random.Random(1))
    return ledger


async def test_a_failed_connection_is_retried() -> None:
    ledger = await place_one(
        [httpx.ConnectError("refused"), httpx.Response(202, json={"orderId": CART})]
    )

    assert ledger.accepted == {CART}
    assert ledger.server_errors == []
    assert ledger.retried_requests == 1


async def test_a_5xx_is_recorded_not_retried() -> None:
    answers: list[httpx.Response | Exception] = [
        httpx.Response(500, text="database is locked " + "x" * 1000),
        httpx.Response(202, json={"orderId": CART}),
    ]
    ledger = await place_one(answers)

    assert ledger.accepted == set()
    assert ledger.submit_attempted == {CART}
    assert len(answers) == 1  # not sent again
    [error] = ledger.server_errors
    assert (error.method, error.path, error.status) == (
        "POST",
        f"/customers/shopper1/carts/{CART}/submit",
        500,
    )
    assert error.body.startswith("database is locked")
    assert len(error.body) == 300
    assert error.base_url == BASE


def test_a_5xx_fails_the_verdict() -> None:
    clean = Verdict(
        attempted=1,
        accepted=1,
        placed=1,
        lost=0,
        duplicated=0,
        unexpected=0,
        server_errors=0,
        poison_injected=0,
        poison_stored=0,
        dead_lettered=0,
        stray_dead_letters=[],
        missing_poison=[],
        reasons={},
    )

    assert clean.ok
    assert not dataclasses.replace(clean, server_errors=1).ok
