"""What the local host does with requests it refuses, and with slow, idle or too many clients."""

import contextlib
import json
import socket
import time

import brotli  # type: ignore[import-untyped]
from backports import zstd

from tests.e2e.api_client import ApiClient
from tests.e2e.conftest import HostFactory, HostProcess
from tests.e2e.test_local_host import assert_problem, raw_request


def host_port(host: HostProcess) -> int:
    assert host.base_url is not None
    return int(host.base_url.rsplit(":", 1)[1])


def closed_unanswered(connection: socket.socket) -> bool:
    """The server closed (or reset) the connection without writing a byte."""
    try:
        return connection.recv(1) == b""
    except ConnectionResetError:
        return True


def test_a_line_break_in_a_path_segment_is_the_functions_400_problem(api: ApiClient) -> None:
    for path in ("/customers/an%0Ana/carts", "/customers/an%0Dna/carts", "/customers/%0A/carts"):
        problem = assert_problem(api.get(path), 400)
        assert problem["type"] == "urn:pierogi-shop:problem:invalid-customer"
        assert_problem(api.post(path), 400)


def test_brotli_and_zstd_bodies_are_decoded_and_bad_ones_are_a_400_naming_no_package(
    api: ApiClient,
) -> None:
    cart_id = api.post("/customers/e2e-bea/carts").json()["id"]
    items = f"/customers/e2e-bea/carts/{cart_id}/items"
    line = json.dumps({"productId": "ruskie", "quantity": 2}).encode()
    for coding, compressed in [("br", brotli.compress(line)), ("zstd", zstd.compress(line))]:
        headers = {"Content-Type": "application/json", "Content-Encoding": coding}
        added = api.post(items, content=compressed, headers=headers)
        assert added.status_code == 200, added.text
        problem = assert_problem(api.post(items, content=b"not compressed", headers=headers), 400)
        assert coding in problem["detail"]
        assert "install" not in problem["detail"].lower()
    (cart_line,) = api.get(f"/customers/e2e-bea/carts/{cart_id}").json()["items"]
    assert cart_line["quantity"] == 4


def test_each_refused_request_logs_one_warning_line_without_a_traceback(
    local_host: HostProcess,
) -> None:
    before = len(local_host.output)
    response = raw_request(local_host, b"GET /api/products HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n")
    assert response.status == 400

    line = local_host.wait_for_output(r"WARNING: Refused a request from ")
    assert "\n" not in line
    later = local_host.output[before:]
    assert not any("Traceback" in text or "ERROR" in text for text in later)


def test_a_body_that_does_not_decode_on_an_unknown_route_logs_no_unhandled_exception(
    local_host: HostProcess,
) -> None:
    # The catch-all function (ZzzUnmatchedRoute) matches every unknown route, so the body is
    # decoded for it as for any function: one that does not decode is refused with a 400 before
    # the function runs, and nothing is logged as an unhandled exception.
    before = len(local_host.output)
    body = b"this is not gzip"
    response = raw_request(
        local_host,
        b"POST /api/no-such-route HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body),
    )
    assert response.status == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    # The host logs an "Executed" line for the next request it serves, so earlier lines are in.
    raw_request(local_host, b"GET /api/products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    local_host.wait_for_output(r"Executed 'Functions\.GetProducts' ", after=before)
    later = local_host.output[before:]
    assert not any("Unhandled exception" in text or "Traceback" in text for text in later)


def test_slow_idle_and_surplus_connections_are_closed(host_factory: HostFactory) -> None:
    host = host_factory.start(
        extra_args=("--idle-timeout", "1", "--body-timeout", "1", "--max-connections", "4")
    )
    port = host_port(host)

    # Idle: a connection that never sends a byte is closed.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as idle:
        assert closed_unanswered(idle)
    # Slow headers: one byte at a time never completes the request head in time.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
        started = time.monotonic()
        closed = False
        for byte in b"GET /api/products HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            try:
                slow.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.1)
            if time.monotonic() - started > 5:
                break
        assert closed or closed_unanswered(slow)
    # Slow body: a 408 problem, and the connection closes.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as slow_body:
        slow_body.sendall(
            b"POST /api/customers/e2e-sam/carts HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 10\r\n\r\n{"
        )
        received = b""
        while chunk := slow_body.recv(65536):
            received += chunk
        assert received.startswith(b"HTTP/1.1 408 "), received
        assert b"application/problem+json" in received
    # Past the cap, a new connection is closed at once.
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(4)]
    try:
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as surplus:
            with contextlib.suppress(OSError):
                surplus.sendall(b"GET /api/products HTTP/1.1\r\nHost: x\r\n\r\n")
            assert closed_unanswered(surplus)
    finally:
        for connection in held:
            connection.close()
    host.wait_for_output(r"WARNING: Refused a connection")
