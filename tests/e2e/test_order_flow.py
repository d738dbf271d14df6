"""The whole shop over real HTTP against the local host running as subprocesses."""

import asyncio
import re
import time
from pathlib import Path

import httpx
import pytest

from shared.adapters.sqlite_queue import SqliteQueue
from tests.e2e.api_client import ApiClient, AsyncApiClient
from tests.e2e.conftest import HostFactory, HostProcess, HostStartFailed, SplitHosts

PLACED_TIMEOUT_SECONDS = 15.0


def new_cart_with_pierogi(api: ApiClient, customer: str = "anna") -> str:
    created = api.post(f"/customers/{customer}/carts")
    assert created.status_code == 201
    cart_id: str = created.json()["id"]
    added = api.post(
        f"/customers/{customer}/carts/{cart_id}/items", {"productId": "ruskie", "quantity": 3}
    )
    assert added.status_code == 200
    return cart_id


def wait_until_placed(api: ApiClient, customer: str, order_id: str) -> httpx.Response:
    deadline = time.monotonic() + PLACED_TIMEOUT_SECONDS
    while True:
        response = api.get(f"/customers/{customer}/orders/{order_id}")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        assert response.status_code == 202
        time.sleep(0.05)


def placements(host: HostProcess, order_id: str) -> int:
    """How often the handler created this order, over every incarnation of the host."""
    return sum(1 for line in host.all_output if line.endswith(f"Order submitted {order_id}"))


def test_a_shopper_orders_pierogi_from_cart_to_placed_order(
    api: ApiClient, local_host: HostProcess
) -> None:
    assert len(api.get("/products").json()) == 5
    cart_id = new_cart_with_pierogi(api)
    api.post(f"/customers/anna/carts/{cart_id}/items", {"productId": "meat", "quantity": 2})
    assert api.delete(f"/customers/anna/carts/{cart_id}/items/meat").status_code == 200

    submitted = api.post(f"/customers/anna/carts/{cart_id}/submit")
    assert submitted.status_code == 202
    assert submitted.json() == {"orderId": cart_id, "cartId": cart_id, "status": "pending"}
    location = submitted.headers["Location"]

    order = wait_until_placed(api, "anna", cart_id)
    assert order.status_code == 200
    assert location == f"/api/customers/anna/orders/{cart_id}"
    assert order.json()["status"] == "placed"
    assert order.json()["total"] == "84.00"
    listed = api.get("/customers/anna/carts", params={"ordered": "true"}).json()
    assert [cart["id"] for cart in listed["carts"]] == [cart_id]
    local_host.wait_for_output(r"Executed 'Functions\.ProcessSubmitOrder' \(Succeeded")
    assert placements(local_host, cart_id) == 1


async def test_concurrent_and_repeated_submits_make_one_order(local_host: HostProcess) -> None:
    with local_host.client() as api:
        cart_id = new_cart_with_pierogi(api)
    async with AsyncApiClient(local_host.api_url) as client:
        responses = await asyncio.gather(
            *(client.post(f"/customers/anna/carts/{cart_id}/submit") for _ in range(20))
        )
    assert [r.status_code for r in responses] == [202] * 20
    assert {r.json()["orderId"] for r in responses} == {cart_id}
    with local_host.client() as api:
        assert wait_until_placed(api, "anna", cart_id).status_code == 200
        again = api.post(f"/customers/anna/carts/{cart_id}/submit")
        assert again.json()["orderId"] == cart_id
    # Give any duplicate delivery time to show up before counting placements.
    await asyncio.sleep(1.0)
    assert placements(local_host, cart_id) == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("POST", "/customers/anna%20s/carts", b"", {}, 400),
        ("POST", "/customers/anna/carts", b"{oops", {"Content-Type": "application/json"}, 400),
        ("GET", "/customers/anna/carts/not-a-uuid", b"", {}, 400),
        ("GET", "/customers/anna/carts", b"", {}, 200),
        ("GET", "/customers/anna/carts?limit=1000", b"", {}, 400),
        ("GET", "/customers/anna/orders/00000000-0000-4000-8000-000000000000", b"", {}, 404),
        ("GET", "/no/such/route", b"", {}, 404),
        ("PUT", "/products", b"", {}, 405),
    ],
)
def test_bad_requests_get_problem_responses_over_http(
    api: ApiClient, method: str, path: str, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = api.request(method, path, content=body, headers=headers)
    assert response.status_code == status
    if status >= 400:
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["status"] == status


def test_no_garbage_body_produces_a_server_error(api: ApiClient) -> None:
    cart_id = new_cart_with_pierogi(api)
    bodies = [
        b"",
        b"null",
        b"\x00\x01\x02",
        b"\xc3\x28",
        b'{"productId": null, "quantity": null}',
        b'{"productId": ["meat"], "quantity": {"n": 1}}',
        b'{"productId": "meat", "quantity": 1e400}',
        b'{"productId": "meat", "quantity": 99999999999999999999999}',
        b'{"productId": "meat", "quantity": -1}',
        b'{"productId": "meat", "productId": "ruskie", "quantity": 1}',
        b'{"productId": "meat", "quantity": 1, "x": 1}',
        b"[" * 5000 + b"]" * 5000,
        b'{"productId": "' + "ż".encode() * 40 + b'", "quantity": 1}',
        b"x" * (70 * 1024),
    ]
    for body in bodies:
        response = api.post(
            f"/customers/anna/carts/{cart_id}/items",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert 400 <= response.status_code < 500, (body[:40], response.status_code, response.text)
    cart = api.get(f"/customers/anna/carts/{cart_id}").json()
    assert cart["items"][0]["quantity"] == 3
    assert len(cart["items"]) == 1


def test_orders_submitted_while_the_worker_is_down_are_created_when_it_returns(
    split_hosts: SplitHosts,
) -> None:
    assert split_hosts.worker.stop() == 0
    with split_hosts.client() as api:
        carts = [new_cart_with_pierogi(api, f"shopper-{n}") for n in range(5)]
        for n, cart_id in enumerate(carts):
            assert api.post(f"/customers/shopper-{n}/carts/{cart_id}/submit").status_code == 202
        time.sleep(0.5)
        pending = [api.get(f"/customers/shopper-{n}/orders/{c}") for n, c in enumerate(carts)]
        assert [r.status_code for r in pending] == [202] * 5
        split_hosts.worker.start()
        placed = [wait_until_placed(api, f"shopper-{n}", c) for n, c in enumerate(carts)]
        assert [r.status_code for r in placed] == [200] * 5


async def test_a_failing_handler_is_retried_then_dead_lettered(
    host_factory: HostFactory, host_data_dir: Path
) -> None:
    host = host_factory.start(
        "all",
        settings={"FaultHandlerFailBeforeOrderRate": "1", "EmbeddedQueueMaxDeliveryCount": "3"},
    )
    with host.client() as api:
        cart_id = new_cart_with_pierogi(api)
        assert api.post(f"/customers/anna/carts/{cart_id}/submit").status_code == 202
        failed = r"Executed 'Functions\.ProcessSubmitOrder' \(Failed"
        for _ in range(3):
            line = host.wait_for_output(failed, timeout=10)
            host.output.remove(line)
        queue = SqliteQueue(host_data_dir / "queue.sqlite3", "submit-order")
        try:
            for _ in range(100):
                dead = await queue.dead_letters()
                if dead:
                    break
                await asyncio.sleep(0.05)
        finally:
            await queue.close()
        assert [(d.message_id, d.dead_letter_reason, d.delivery_count) for d in dead] == [
            (f"submit-order-{cart_id}", "MaxDeliveryCountExceeded", 3)
        ]
        assert api.get(f"/customers/anna/orders/{cart_id}").status_code == 202


async def test_a_hundred_customers_submitting_at_once_get_a_hundred_orders_within_ten_seconds(
    local_host: HostProcess,
) -> None:
    customers = [f"customer-{n:03d}" for n in range(100)]
    async with AsyncApiClient(local_host.api_url, timeout=30) as client:

        async def prepare(customer: str) -> str:
            cart_id: str = (await client.post(f"/customers/{customer}/carts")).json()["id"]
            item = {"productId": "meat", "quantity": 2}
            added = await client.post(f"/customers/{customer}/carts/{cart_id}/items", item)
            assert added.status_code == 200
            return cart_id

        carts = dict(zip(customers, await asyncio.gather(*map(prepare, customers)), strict=True))
        submitted = await asyncio.gather(
            *(client.post(f"/customers/{c}/carts/{cart}/submit") for c, cart in carts.items())
        )
        last_submit = time.monotonic()
        assert [r.status_code for r in submitted] == [202] * 100

        pending = dict(carts)
        while pending and time.monotonic() - last_submit < 10:
            answers = await asyncio.gather(
                *(client.get(f"/customers/{c}/orders/{cart}") for c, cart in pending.items())
            )
            for (customer, _), answer in zip(list(pending.items()), answers, strict=True):
                if answer.status_code == 200:
                    del pending[customer]
            await asyncio.sleep(0.1)
        elapsed = time.monotonic() - last_submit
    assert pending == {}, f"{len(pending)} orders not placed {elapsed:.1f}s after the last submit"
    print(f"100 orders placed {elapsed:.2f}s after the last submit")
    orders_created = [line for line in local_host.all_output if re.search("Order submitted", line)]
    assert len(orders_created) == 100


def test_a_malformed_app_setting_stops_the_host_at_start_naming_it(
    host_factory: HostFactory,
) -> None:
    host = host_factory.create("all", settings={"FaultSendFailureRate": "often"})
    with pytest.raises(HostStartFailed, match="FaultSendFailureRate"):
        host.start()
