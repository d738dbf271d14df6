"""The local host itself, as a subprocess: listing, routing errors, roles, triggers, shutdown."""

import asyncio
import gzip
import json
import signal
import socket
import textwrap
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.sqlite_queue import QueueCounts, SqliteQueue
from shared.ports import OutgoingMessage
from tests.e2e.api_client import ApiClient
from tests.e2e.conftest import REPO_ROOT, HostFactory, HostProcess, HostStartFailed, SplitHosts

PROBLEM_JSON = "application/problem+json"


def function_triggers() -> dict[str, str]:
    """Each function folder of the repository's app and its trigger type."""
    triggers = {}
    for function_json in REPO_ROOT.glob("*/function.json"):
        bindings = json.loads(function_json.read_text(encoding="utf-8"))["bindings"]
        (trigger,) = [b["type"] for b in bindings if b["type"].lower().endswith("trigger")]
        triggers[function_json.parent.name] = trigger
    return triggers


def http_function_names() -> set[str]:
    return {name for name, trigger in function_triggers().items() if trigger == "httpTrigger"}


def listing_lines(host: HostProcess) -> list[str]:
    """The indented "Name: ..." lines of the startup listing."""
    return [line.strip() for line in host.output if line.startswith("        ")]


def eventually(check: Callable[[], bool], *, timeout: float = 10.0, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout}s waiting for {what}.")
        time.sleep(0.05)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert {"type", "title", "detail"} <= problem.keys()
    return problem


def place_order(client: ApiClient, customer: str) -> str:
    """Create a cart with one item and submit it; returns the order id."""
    created = client.post(f"/customers/{customer}/carts")
    assert created.status_code == 201, created.text
    cart_id = created.json()["id"]
    added = client.post(
        f"/customers/{customer}/carts/{cart_id}/items", {"productId": "ruskie", "quantity": 2}
    )
    assert added.status_code in (200, 201), added.text
    submitted = client.post(f"/customers/{customer}/carts/{cart_id}/submit")
    assert submitted.status_code == 202, submitted.text
    order_id: str = submitted.json()["orderId"]
    return order_id


def order_placed(client: ApiClient, customer: str, order_id: str) -> bool:
    response = client.get(f"/customers/{customer}/orders/{order_id}")
    return response.status_code == 200 and response.json().get("status") == "placed"


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self, status: int) -> dict[str, Any]:
        """The RFC 9457 problem details of this response, checked to carry ``status``."""
        assert self.status == status, self
        assert self.headers["content-type"].startswith(PROBLEM_JSON), self
        problem: dict[str, Any] = json.loads(self.body)
        assert problem["status"] == status
        assert {"type", "title", "detail"} <= problem.keys()
        return problem


def raw_request(host: HostProcess, request: bytes) -> RawResponse:
    """Send bytes no well-behaved client would, and read the answer until the server closes."""
    assert host.base_url is not None
    port = int(host.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(status=int(status_line.split()[1]), headers=headers, body=body)


# --- the repository's app --------------------------------------------------------------------


def test_startup_lists_the_functions_like_func_start(local_host: HostProcess) -> None:
    lines = listing_lines(local_host)
    base = local_host.api_url
    assert "Functions:" in local_host.output
    assert f"GetShoppingCarts: [GET] {base}/customers/{{customer}}/carts" in lines
    assert f"HttpSubmitOrder: [POST] {base}/customers/{{customer}}/carts/{{cartId}}/submit" in lines
    assert "ProcessSubmitOrder: serviceBusTrigger" in lines
    listed = {line.split(":")[0] for line in lines}
    assert http_function_names() <= listed


def test_an_unknown_route_is_a_404_problem(api: ApiClient) -> None:
    problem = assert_problem(api.get("/no/such/thing"), 404)
    assert problem["title"] == "Not Found"


def test_a_known_route_with_another_method_is_a_405_problem_with_allow(api: ApiClient) -> None:
    response = api.delete("/products")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET"


def test_the_apps_catch_all_answers_what_no_route_matched_as_problems(api: ApiClient) -> None:
    assert assert_problem(api.post("/no/such/thing"), 404)["type"].endswith(":not-found")
    response = api.request("PUT", "/customers/anna/carts")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, POST"


def test_a_store_outage_is_a_503_problem_with_retry_after(
    host_factory: HostFactory, host_data_dir: Path
) -> None:
    # A documents database that cannot be opened: an outage of the embedded store.
    (host_data_dir / "documents.sqlite3").mkdir(parents=True)
    host = host_factory.start("web")
    with host.client() as client:
        response = client.get("/customers/anna/carts")
        products = client.get("/products")
    problem = assert_problem(response, 503)
    assert problem["type"] == "urn:pierogi-shop:problem:service-unavailable"
    assert response.headers["retry-after"] == "1"
    assert products.status_code == 200  # what needs no store still answers


@pytest.mark.parametrize(
    "host_header",
    [b"127.0.0.1:abc", b"x:-1", b"exa mple:99999", b"\xff\xfe", b"example:99999", b"[::1"],
)
def test_a_malformed_host_header_is_a_400_problem(
    local_host: HostProcess, host_header: bytes
) -> None:
    response = raw_request(
        local_host,
        b"GET /api/products HTTP/1.1\r\nHost: " + host_header + b"\r\nConnection: close\r\n\r\n",
    )
    problem = response.problem(400)
    assert problem["title"] == "Bad Request"
    assert "Host" in problem["detail"]


@pytest.mark.parametrize(
    "head",
    [
        b"GET /api/products HTTP/1.1\r\n",
        b"GET /api/products HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\n",
    ],
    ids=["missing", "repeated"],
)
def test_an_http_1_1_request_without_exactly_one_host_header_is_a_400(
    local_host: HostProcess, head: bytes
) -> None:
    # aiohttp's parser answers these itself, in plain text, before the host sees the request.
    assert raw_request(local_host, head + b"Connection: close\r\n\r\n").status == 400


def test_literal_route_segments_fold_ascii_case_only(api: ApiClient) -> None:
    assert api.post("/customers/e2e-zoe/CARTS").status_code == 201
    # U+017F (long s) upper-cases to "S" in Unicode, but never matches an ASCII letter here.
    assert_problem(api.post("/customers/e2e-zoe/cart%C5%BF"), 404)
    assert len(api.get("/customers/e2e-zoe/carts").json()["carts"]) == 1


def test_a_compressed_body_is_decoded_and_one_that_does_not_decode_is_a_400_problem(
    local_host: HostProcess, api: ApiClient
) -> None:
    cart_id = api.post("/customers/e2e-ida/carts").json()["id"]
    items = f"/customers/e2e-ida/carts/{cart_id}/items"
    line = json.dumps({"productId": "ruskie", "quantity": 2}).encode()
    compressed = {"Content-Type": "application/json", "Content-Encoding": "gzip"}

    added = api.post(items, content=gzip.compress(line), headers=compressed)
    assert added.status_code in (200, 201), added.text

    for coding, body in [("gzip", b"this is not gzip"), ("deflate", b"nor is this deflate")]:
        response = api.post(items, content=body, headers={**compressed, "Content-Encoding": coding})
        problem = assert_problem(response, 400)
        assert coding in problem["detail"]
    deflated = api.post(
        items, content=zlib.compress(line), headers={**compressed, "Content-Encoding": "deflate"}
    )
    assert deflated.status_code in (200, 201), deflated.text
    (cart_line,) = api.get(f"/customers/e2e-ida/carts/{cart_id}").json()["items"]
    assert cart_line["quantity"] == 4
    # The host logs the requests in order: by this last one, any error of the others is out.
    local_host.wait_for_output(r"Executed 'Functions\.GetShoppingCart' ")
    assert not any("Unhandled exception" in line for line in local_host.output)


def test_requests_reach_the_functions_and_log_their_invocations(
    local_host: HostProcess, api: ApiClient
) -> None:
    response = api.get("/products")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    local_host.wait_for_output(
        r"Executed 'Functions\.GetProducts' \(Succeeded, Id=[0-9a-f-]+, Duration=\d+ms\)"
    )
    executing = local_host.wait_for_output(r"Executing 'Functions\.GetProducts'")
    assert "Reason='This function was programmatically called via the host APIs.'" in executing


def test_a_submitted_order_is_placed_by_the_queue_trigger(
    local_host: HostProcess, api: ApiClient
) -> None:
    order_id = place_order(api, "e2e-anna")
    eventually(lambda: order_placed(api, "e2e-anna", order_id), what="the order to be placed")
    local_host.wait_for_output(
        r"Executing 'Functions\.ProcessSubmitOrder' "
        r"\(Reason='New ServiceBus message detected on 'submit-order'\.'"
    )


def test_ctrl_c_stops_the_host_gracefully_with_exit_code_0(local_host: HostProcess) -> None:
    assert local_host.stop() == 0
    assert any("Host stopped." in line for line in local_host.output)


def test_sigterm_stops_the_host_gracefully_with_exit_code_0(local_host: HostProcess) -> None:
    assert local_host.terminate() == 0


def test_the_data_survives_a_restart(local_host: HostProcess) -> None:
    with local_host.client() as client:
        cart_id = client.post("/customers/e2e-ola/carts").json()["id"]
    local_host.restart()
    with local_host.client() as client:
        assert client.get(f"/customers/e2e-ola/carts/{cart_id}").status_code == 200


def test_split_roles_list_their_own_functions_and_share_the_data(
    split_hosts: SplitHosts,
) -> None:
    web_lines = listing_lines(split_hosts.web)
    worker_lines = listing_lines(split_hosts.worker)
    assert "ProcessSubmitOrder: serviceBusTrigger" in worker_lines
    assert sorted(worker_lines) == sorted(
        f"{name}: {trigger}"
        for name, trigger in function_triggers().items()
        if trigger != "httpTrigger"
    )
    assert not any("serviceBusTrigger" in line for line in web_lines)
    assert {line.split(":")[0] for line in web_lines} == http_function_names()

    with split_hosts.client() as client:
        order_id = place_order(client, "e2e-jan")
        eventually(lambda: order_placed(client, "e2e-jan", order_id), what="the order")


def test_an_order_submitted_while_the_worker_is_down_is_placed_once_it_is_back(
    split_hosts: SplitHosts,
) -> None:
    assert split_hosts.worker.stop() == 0
    with split_hosts.client() as client:
        order_id = place_order(client, "e2e-ewa")
        time.sleep(0.5)
        assert not order_placed(client, "e2e-ewa", order_id)
        split_hosts.worker.start()
        eventually(lambda: order_placed(client, "e2e-ewa", order_id), what="the order")


def test_a_broken_function_json_stops_startup_naming_it(
    host_factory: HostFactory, tmp_path: Path
) -> None:
    app = tmp_path / "broken-app"
    (app / "Broken").mkdir(parents=True)
    (app / "Broken" / "function.json").write_text('{"bindings": [,]}', encoding="utf-8")
    (app / "Broken" / "__init__.py").write_text("", encoding="utf-8")
    host = host_factory.create("all", app_dir=app)
    with pytest.raises(HostStartFailed, match=r"Function 'Broken'.*not valid JSON"):
        host.start()
    assert host.exit_codes == [1]


# --- a throwaway app, for what the repository's app does not exercise ------------------------


def get_function(route: str, body: str) -> tuple[dict[str, Any], str]:
    """A GET function at ``route`` whose async main runs ``body``."""
    function_json = {
        "bindings": [
            {
                "type": "httpTrigger",
                "direction": "in",
                "name": "req",
                "authLevel": "anonymous",
                "methods": ["get"],
                "route": route,
            },
            {"type": "http", "direction": "out", "name": "$return"},
        ]
    }
    code = (
        "import asyncio\n\nimport azure.functions as func\n\n\n"
        "async def main(req: func.HttpRequest) -> func.HttpResponse:\n"
        f"    {body}\n"
    )
    return function_json, code


THROWAWAY_FUNCTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "Echo": (
        {
            "bindings": [
                {
                    "type": "httpTrigger",
                    "direction": "in",
                    "name": "req",
                    "authLevel": "anonymous",
                    "route": "echo/{name}/{*rest}",
                },
                {"type": "http", "direction": "out", "name": "$return"},
            ]
        },
        """
        import json
        import threading

        import azure.functions as func


        def main(req: func.HttpRequest) -> func.HttpResponse:
            # A plain function: the host runs it in a worker thread.
            payload = {
                "method": req.method,
                "route": dict(req.route_params),
                "params": dict(req.params),
                "header": req.headers.get("x-test"),
                "url": req.url,
                "content_encoding": req.headers.get("content-encoding"),
                "content_length": req.headers.get("content-length"),
                "body": req.get_body().decode(),
                "thread": threading.current_thread().name,
            }
            return func.HttpResponse(
                json.dumps(payload), mimetype="application/json", headers={"X-Echo": "1"}
            )
        """,
    ),
    "Boom": (
        {
            "bindings": [
                {
                    "type": "httpTrigger",
                    "direction": "in",
                    "name": "req",
                    "authLevel": "anonymous",
                    "methods": ["get"],
                    "route": "boom",
                },
                {"type": "http", "direction": "out", "name": "$return"},
            ]
        },
        """
        import azure.functions as func


        async def main(req: func.HttpRequest) -> func.HttpResponse:
            raise RuntimeError("secret internals: do not leak")
        """,
    ),
    "Nothing": get_function("nothing", "return None  # type: ignore[return-value]"),
    "Sleepy": get_function(
        "sleepy", "await asyncio.sleep(60)\n    return func.HttpResponse('late')"
    ),
    # Details sorts before List, so the host tries Details' route first.
    "Details": get_function(
        "items/{id}", "return func.HttpResponse('details ' + req.route_params['id'])"
    ),
    "List": get_function("items/recent", "return func.HttpResponse('list')"),
    "Jobs": (
        {
            "bindings": [
                {
                    "type": "serviceBusTrigger",
                    "direction": "in",
                    "name": "msg",
                    "queueName": "%JobsQueue%",
                    "connection": "ServiceBusConnection",
                    "dataType": "binary",
                }
            ]
        },
        """
        import asyncio
        import logging

        import azure.functions as func


        async def main(msg: func.ServiceBusMessage) -> None:
            body = msg.get_body().decode()
            logging.info("job %s delivery %s", body, msg.delivery_count)
            if body.startswith("slow"):
                await asyncio.sleep(float(body.split(":")[1]))
            if body == "poison":
                raise ValueError("cannot process a poison job")
            logging.info("job %s done", body)
        """,
    ),
    "Tick": (
        {
            "bindings": [
                {
                    "type": "timerTrigger",
                    "direction": "in",
                    "name": "timer",
                    "schedule": "* * * * * *",
                }
            ]
        },
        """
        import logging

        import azure.functions as func


        def main(timer: func.TimerRequest) -> None:
            logging.info("tick past_due=%s", timer.past_due)
        """,
    ),
}

THROWAWAY_SETTINGS = {
    "JobsQueue": "jobs",
    "EmbeddedQueueLockDurationSeconds": "1",
    "EmbeddedQueueMaxDeliveryCount": "2",
}


@pytest.fixture
def throwaway_app(tmp_path: Path) -> Path:
    app = tmp_path / "throwaway-app"
    for name, (function_json, code) in THROWAWAY_FUNCTIONS.items():
        (app / name).mkdir(parents=True)
        (app / name / "function.json").write_text(json.dumps(function_json), encoding="utf-8")
        (app / name / "__init__.py").write_text(textwrap.dedent(code), encoding="utf-8")
    host_json = {
        "version": "2.0",
        # Longer than the slowest job (3 s), shorter than Sleepy (60 s).
        "functionTimeout": "00:00:06",
        "extensions": {"serviceBus": {"maxConcurrentCalls": 2}},
    }
    (app / "host.json").write_text(json.dumps(host_json), encoding="utf-8")
    return app


@pytest.fixture
def throwaway_host(host_factory: HostFactory, throwaway_app: Path) -> HostProcess:
    return host_factory.start("all", app_dir=throwaway_app, settings=THROWAWAY_SETTINGS)


def jobs_queue(data_dir: Path) -> SqliteQueue:
    return SqliteQueue(
        data_dir / "queue.sqlite3", "jobs", lock_duration=timedelta(seconds=1), max_delivery_count=2
    )


async def send_job(data_dir: Path, body: str) -> None:
    queue = jobs_queue(data_dir)
    try:
        await queue.send(OutgoingMessage(body=body.encode(), message_id=f"{body}-{time.time_ns()}"))
    finally:
        await queue.close()


async def queue_counts(data_dir: Path) -> QueueCounts:
    queue = jobs_queue(data_dir)
    try:
        return await queue.counts()
    finally:
        await queue.close()


def test_requests_become_real_function_requests(throwaway_host: HostProcess) -> None:
    with throwaway_host.client() as client:
        response = client.request(
            "PATCH",
            "/echo/J%C3%B3zef%2FK/42",
            params={"q": "1"},
            headers={"X-Test": "yes"},
            content=b"hello",
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-echo"] == "1"
        echoed = response.json()
        assert echoed["method"] == "PATCH"
        # The host decodes the path but for an encoded slash (dotnet/aspnetcore issue 17864).
        assert echoed["route"] == {"name": "Józef%2FK", "rest": "42"}
        assert echoed["params"] == {"q": "1"}
        assert echoed["header"] == "yes"
        assert echoed["body"] == "hello"
        assert echoed["thread"] != "MainThread"
        assert client.get("/echo/a/b/c").json()["route"] == {"name": "a", "rest": "b/c"}
        assert client.get("/echo").status_code == 404


def test_the_function_sees_the_url_of_the_host_header_or_else_of_the_listening_address(
    throwaway_host: HostProcess,
) -> None:
    assert throwaway_host.base_url is not None
    with_host = raw_request(
        throwaway_host,
        b"GET /api/echo/J%C3%B3zef?q=1 HTTP/1.1\r\nHost: Shop.Example:8080\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert with_host.status == 200
    assert json.loads(with_host.body)["url"] == "http://shop.example:8080/api/echo/J%C3%B3zef?q=1"
    # HTTP/1.0 does not require a Host header; the request went to the listening address.
    without_host = raw_request(throwaway_host, b"GET /api/echo/anna HTTP/1.0\r\n\r\n")
    assert without_host.status == 200
    assert json.loads(without_host.body)["url"] == f"{throwaway_host.base_url}/api/echo/anna"


def test_the_function_gets_a_decoded_body_without_the_content_encoding(
    throwaway_host: HostProcess,
) -> None:
    with throwaway_host.client() as client:
        response = client.post(
            "/echo/anna", content=gzip.compress(b"hello"), headers={"Content-Encoding": "gzip"}
        )
    assert response.status_code == 200
    echoed = response.json()
    assert echoed["body"] == "hello"
    # The bytes are no longer gzip, nor as long as the request said.
    assert echoed["content_encoding"] is None
    assert echoed["content_length"] is None


def test_a_failing_function_is_an_empty_500_as_on_the_functions_host(
    throwaway_host: HostProcess,
) -> None:
    with throwaway_host.client() as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.content == b""
    throwaway_host.wait_for_output(r"Executed 'Functions\.Boom' \(Failed, Id=")
    throwaway_host.wait_for_output(r"RuntimeError: secret internals: do not leak")
    throwaway_host.wait_for_output(r"Traceback \(most recent call last\)")


def test_a_function_returning_none_is_an_empty_500(throwaway_host: HostProcess) -> None:
    # The worker's HttpResponseConverter cannot encode None, so the invocation fails.
    with throwaway_host.client() as client:
        response = client.get("/nothing")
    assert response.status_code == 500
    assert response.content == b""
    throwaway_host.wait_for_output(r"Function 'Nothing' returned a NoneType")


def test_no_matching_route_or_method_is_the_hosts_empty_404(throwaway_host: HostProcess) -> None:
    with throwaway_host.client() as client:
        unknown = client.get("/no/such/route")
        wrong_method = client.post("/boom")
    for response in (unknown, wrong_method):
        assert response.status_code == 404
        assert response.content == b""
        assert "allow" not in response.headers


def test_routes_are_tried_in_the_order_of_the_function_names(throwaway_host: HostProcess) -> None:
    # azure-functions-host issue 9876: Details (items/{id}) shadows List (items/recent).
    with throwaway_host.client() as client:
        assert client.get("/items/recent").text == "details recent"
        assert client.get("/items/7").text == "details 7"


def test_a_function_past_its_function_timeout_is_an_empty_500(
    throwaway_host: HostProcess,
) -> None:
    with throwaway_host.client(timeout=30) as client:
        response = client.get("/sleepy")
    assert response.status_code == 500
    assert response.content == b""
    throwaway_host.wait_for_output(
        r"Timeout value of 00:00:06 exceeded by function 'Functions\.Sleepy'"
    )


def test_a_body_over_100_mb_is_refused_with_413(throwaway_host: HostProcess) -> None:
    assert throwaway_host.base_url is not None
    port = int(throwaway_host.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            b"POST /api/echo/big HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Length: 104857601\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        status_line = connection.makefile("rb").readline()
    assert status_line.startswith(b"HTTP/1.1 413")


def test_the_timer_fires_on_its_ncrontab_schedule(throwaway_host: HostProcess) -> None:
    first = throwaway_host.wait_for_output(r"tick past_due=False", timeout=5)
    index = throwaway_host.output.index(first)
    throwaway_host.wait_for_output(r"tick past_due=", timeout=5, after=index + 1)
    throwaway_host.wait_for_output(r"Executing 'Functions\.Tick' \(Reason='Timer fired at ")


async def test_a_message_is_completed_when_the_function_returns(
    throwaway_host: HostProcess, host_data_dir: Path
) -> None:
    await send_job(host_data_dir, "simple")
    throwaway_host.wait_for_output(r"job simple done")
    throwaway_host.wait_for_output(r"Executed 'Functions\.Jobs' \(Succeeded")
    deadline = time.monotonic() + 5
    while await queue_counts(host_data_dir) != QueueCounts(active=0, locked=0, dead_lettered=0):
        assert time.monotonic() < deadline, "the message was not completed"
        await asyncio.sleep(0.05)


async def test_a_failing_message_is_retried_then_dead_lettered(
    throwaway_host: HostProcess, host_data_dir: Path
) -> None:
    await send_job(host_data_dir, "poison")
    throwaway_host.wait_for_output(r"job poison delivery 1")
    throwaway_host.wait_for_output(r"job poison delivery 2")
    throwaway_host.wait_for_output(r"ValueError: cannot process a poison job")
    deadline = time.monotonic() + 5
    while (await queue_counts(host_data_dir)).dead_lettered != 1:
        assert time.monotonic() < deadline, "the message was not dead-lettered"
        await asyncio.sleep(0.05)


async def test_a_long_invocation_keeps_its_lock_and_is_delivered_once(
    throwaway_host: HostProcess, host_data_dir: Path
) -> None:
    # Three lock durations long: only lock renewal keeps the message from a second delivery.
    await send_job(host_data_dir, "slow:3")
    throwaway_host.wait_for_output(r"job slow:3 done", timeout=10)
    # The function's last line comes just before the host completes the message.
    deadline = time.monotonic() + 5
    while await queue_counts(host_data_dir) != QueueCounts(active=0, locked=0, dead_lettered=0):
        assert time.monotonic() < deadline, "the message was not completed"
        await asyncio.sleep(0.05)
    assert not any("delivery 2" in line for line in throwaway_host.output)


async def test_ctrl_c_waits_for_running_invocations_to_settle_their_messages(
    throwaway_host: HostProcess, host_data_dir: Path
) -> None:
    await send_job(host_data_dir, "slow:1.5")
    throwaway_host.wait_for_output(r"job slow:1.5 delivery 1")
    assert throwaway_host.stop() == 0
    assert any("job slow:1.5 done" in line for line in throwaway_host.output)
    assert await queue_counts(host_data_dir) == QueueCounts(active=0, locked=0, dead_lettered=0)


async def test_a_message_of_a_killed_worker_is_delivered_again_after_its_lock_expires(
    throwaway_host: HostProcess, host_data_dir: Path
) -> None:
    await send_job(host_data_dir, "slow:2")
    throwaway_host.wait_for_output(r"job slow:2 delivery 1")
    throwaway_host.kill()
    throwaway_host.start()
    throwaway_host.wait_for_output(r"job slow:2 delivery 2", timeout=10)
    throwaway_host.wait_for_output(r"job slow:2 done", timeout=10)


async def test_a_second_ctrl_c_exits_at_once(
    throwaway_host: HostProcess, host_data_dir: Path
) -> None:
    await send_job(host_data_dir, "slow:60")
    throwaway_host.wait_for_output(r"job slow:60 delivery 1")
    throwaway_host.send_signal(signal.SIGINT)
    throwaway_host.wait_for_output(r"SIGINT received")
    started = time.monotonic()
    assert throwaway_host.stop(timeout=10) == 130
    assert time.monotonic() - started < 5
