"""HTTP and timer inputs and HTTP results, through azure.functions' converters as the worker does.

Sources: azure-functions-host GrpcMessageConversionExtensions.ToRpcHttp (lower-case header
names, ``StringValues.ToString()`` joins repeated values with a comma, empty query values
left out without the nullable-dictionary capability, which the Python worker does not
declare; the body as bytes for RawHttpBodyBytes); azure-functions-python-worker
bindings/datumdef.py and bindings/meta.py (``get_datum`` raises for what
HttpResponseConverter cannot encode, so the invocation fails).
"""

from http import HTTPStatus

import azure.functions as func
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from local_host.http_server import empty_response, to_function_request, to_web_response
from local_host.timer_trigger import timer_request


def test_the_request_reaches_the_function_as_the_host_sends_it() -> None:
    raw = make_mocked_request(
        "POST",
        "/api/carts/7?ordered=&limit=5&tag=a&tag=b",
        headers=CIMultiDict([("X-Tag", "one"), ("x-tag", "two"), ("Content-Type", "text/plain")]),
    )
    request = to_function_request(raw, "http://shop/api/carts/7", b"\x80body", {"cartId": "7"})
    assert isinstance(request, func.HttpRequest)
    assert request.method == "POST"
    assert request.headers["x-tag"] == "one,two"
    assert dict(request.params) == {"limit": "5", "tag": "a,b"}  # "ordered=" left out
    assert request.route_params == {"cartId": "7"}
    assert request.get_body() == b"\x80body"


def test_an_http_response_is_encoded_as_the_worker_encodes_it() -> None:
    response = to_web_response(
        func.HttpResponse(b"{}", status_code=201, mimetype="application/json")
    )
    assert response is not None
    assert response.status == 201
    assert response.headers["Content-Type"] == "application/json"
    text = to_web_response("plain")
    assert text is not None
    assert (text.status, text.body) == (200, b"plain")


def test_what_the_worker_cannot_encode_fails_the_invocation() -> None:
    assert to_web_response(None) is None
    assert to_web_response(b"bytes") is None
    assert to_web_response({"a": 1}) is None
    assert empty_response(HTTPStatus.INTERNAL_SERVER_ERROR).body is None


def test_the_timer_input_is_the_hosts_timer_info_decoded() -> None:
    timer = timer_request(
        past_due=True,
        schedule_status={"Last": "2026-01-01T00:00:00+00:00", "Next": "2026-01-01T00:01:00+00:00"},
    )
    assert timer.past_due is True
