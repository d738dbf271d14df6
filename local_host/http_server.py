"""The HTTP role: an aiohttp server that routes requests to the HTTP-triggered functions.

Each request becomes an ``azure.functions.HttpRequest`` decoded by the library's own converter
from the data the Functions host sends the Python worker, and the function's return value is
encoded by the library's converter as the worker encodes it. Errors are answered as the host
answers them: no matching route (a method outside ``methods`` included) is an empty 404, a
function that raises, times out or returns something the worker cannot encode (``None``) an
empty 500, one that has not answered within 230 seconds an empty 502 (HTTP_RESPONSE_LIMIT).
Only what Kestrel itself refuses before routing (a malformed Host header, a body that cannot
be read, a body over the size limit) gets an RFC 9457 problem here.
"""

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from functools import lru_cache, partial
from http import HTTPStatus
from typing import Any

from aiohttp import hdrs, web
from aiohttp.http_exceptions import ContentEncodingError
from aiohttp.typedefs import Handler
from azure.functions import HttpRequest, meta
from azure.functions.http import HttpRequestConverter, HttpResponseConverter
from multidict import CIMultiDict
from yarl import URL

from local_host.bindings import HttpTrigger
from local_host.function_app import LoadedFunction
from local_host.host_config import DEFAULT_FUNCTION_TIMEOUT
from local_host.host_logging import host_logger
from local_host.http_connections import DEFAULT_LIMITS, CappedTCPSite, ConnectionLimits
from local_host.invocation import HTTP_REASON, invoke
from local_host.problems import problem_response
from local_host.refusal_log import refusal_logger
from local_host.routing import Route, Router
from shared.api.route_template import RouteTemplate

# The Functions host's request size limit; smaller limits are the functions' business.
MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024
_TOO_LARGE = f"The request body is larger than the {MAX_REQUEST_BODY_BYTES} bytes the host accepts."

# Framing is the server's job; a function's own value for these would corrupt the response.
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})

# A Host header as RFC 9112 (section 3.2) and RFC 3986 (section 3.2.2) define it: a bracketed
# IPv6 literal, or a name / IPv4 address of unreserved, sub-delim and percent-encoded
# characters; then an optional port of digits. Kestrel, in front of the Functions host,
# refuses a Host header that does not have this shape.
_HOST_HEADER = re.compile(
    r"(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)(?::[0-9]+)?"
)

# The content codings aiohttp's parser decodes by itself (one coding, any letter case); br and
# zstd with the decoders pinned in requirements-dev.txt (without them aiohttp's parser refuses
# the request with a plain-text 400 naming the package). A request with any other
# Content-Encoding reaches the function as sent.
_DECODED_CODINGS = frozenset({"gzip", "deflate", "br", "zstd"})

# On Azure the front end gives up on an HTTP-triggered function that has not answered within
# 230 seconds, whatever functionTimeout says (the load balancer's idle timeout): the client gets
# a 502 and the function runs on, its answer lost (Azure Functions HTTP trigger reference,
# "Limits"). The one place this host imitates that limit.
HTTP_RESPONSE_LIMIT = timedelta(seconds=230)

# What stands in front of the host (local_platform/): answers a request itself or hands it,
# perhaps changed, to the host's own handling.
Front = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]
log = host_logger("http")


def full_route(route_prefix: str, route: str) -> str:
    """The route template under the prefix, as served: ``api/customers/{customer}/carts``."""
    return "/".join(part for part in (route_prefix.strip("/"), route.strip("/")) if part)


def build_router(functions: Sequence[LoadedFunction], route_prefix: str) -> Router[LoadedFunction]:
    """The routes in the order the Functions host tries them: by function name.

    Whether the host compares names with or without case is not pinned down here; this sorts
    without (function names are case-insensitive in Azure), then with, to be deterministic.
    """
    routes: list[Route[LoadedFunction]] = []
    for function in sorted(functions, key=lambda f: (f.name.lower(), f.name)):
        trigger = function.definition.trigger
        if not isinstance(trigger, HttpTrigger):
            continue
        routes.append(
            Route(
                template=RouteTemplate.parse(full_route(route_prefix, trigger.route)),
                methods=frozenset(trigger.methods),
                target=function,
            )
        )
    return Router(routes)


async def _send_bad_gateway(request: web.Request) -> web.StreamResponse:
    """An empty 502 sent at once, before the handler returns: the front end's answer."""
    response = empty_response(HTTPStatus.BAD_GATEWAY)
    # The connection is busy until the function ends: the client must not wait on it.
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    return response


class BadHostHeader(ValueError):
    """The request's Host header is not a valid host and optional port."""


def request_url(request: web.Request) -> str:
    """The absolute URL the client asked for, from its Host header, as the Functions host has it.

    aiohttp's ``request.url`` raises on a Host header yarl cannot parse, which would be a 500
    for a client's mistake. Kestrel, in front of the real host, refuses such a request with
    400 Bad Request before any routing, as RFC 9112 section 3.2 requires of a server for an
    invalid Host header; so does this host (BadHostHeader). aiohttp's parser has already
    answered 400 to an HTTP/1.1 request with no Host header or with two. Without one (HTTP/1.0)
    or with an empty one, the request went to the listening address.
    """
    authority = request.headers.get(hdrs.HOST) or _listening_authority(request)
    return str(_origin(request.scheme, authority).join(request.rel_url))


@lru_cache(maxsize=64)  # a client names few hosts; checking one costs more than the request
def _origin(scheme: str, authority: str) -> URL:
    invalid = f"The Host header is not a valid host[:port] ({authority!a})."
    if _HOST_HEADER.fullmatch(authority) is None:
        raise BadHostHeader(invalid)
    try:
        # yarl also checks what the pattern does not: the port's range, the IP literal.
        return URL.build(scheme=scheme, authority=authority)
    except ValueError:
        raise BadHostHeader(invalid) from None


def _listening_authority(request: web.Request) -> str:
    transport = request.transport
    sockname = transport.get_extra_info("sockname") if transport is not None else None
    if not isinstance(sockname, tuple) or len(sockname) < 2:
        return "localhost"
    address, port = str(sockname[0]), int(sockname[1])
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def function_headers(request: web.Request) -> dict[str, str]:
    """The request headers as the host sends them: lower-case names, one value per name."""
    headers = _joined(request.headers.items(), fold_case=True)
    coding = request.headers.get(hdrs.CONTENT_ENCODING, "")
    if coding.isascii() and coding.lower() in _DECODED_CODINGS:
        # aiohttp has decoded the body, so these headers describe bytes the function never
        # sees. ASP.NET's request decompression drops Content-Encoding the same way, so that
        # nothing decodes the body twice; Content-Length counted the compressed bytes.
        headers.pop("content-encoding", None)
        headers.pop("content-length", None)
    return headers


def to_function_request(
    request: web.Request,
    url: str,
    body: bytes,
    route_params: Mapping[str, str],
) -> HttpRequest:
    """The request as the Python worker hands it to the function.

    The host sends an ``RpcHttp`` (azure-functions-host ``GrpcMessageConversionExtensions
    .ToRpcHttp``): header names lower-cased, repeated values joined; query values joined, and
    empty ones left out (the Python worker does not ask for nullable values); the body as bytes
    (the worker asks for ``RawHttpBodyBytes``). The worker wraps each value in a Datum
    (``datumdef.Datum.from_typed_data``) and azure.functions' HttpRequestConverter decodes them.
    """
    headers = function_headers(request)
    query = _joined(request.query.items(), separator=",")
    value = {
        "method": meta.Datum(request.method, "string"),
        "url": meta.Datum(url, "string"),
        "headers": _strings(headers),
        "query": _strings({name: text for name, text in query.items() if text}),
        "params": _strings(route_params),
        "body": meta.Datum(body, "bytes"),
    }
    decoded = HttpRequestConverter.decode(meta.Datum(value, "http"), trigger_metadata={})
    assert isinstance(decoded, HttpRequest)
    return decoded


def to_web_response(result: object) -> web.Response | None:
    """The function's return value as the host answers it; None if the worker cannot encode it.

    The Python worker encodes ``$return`` with azure.functions' HttpResponseConverter, which
    takes an HttpResponse or a str and raises for anything else (``None`` included): the
    invocation then fails, and the host answers 500.
    """
    try:
        datum = HttpResponseConverter.encode(result, expected_type=None)
    except NotImplementedError:
        return None
    if datum.type == "string":
        # A plain string result: the host answers 200 with it as text.
        return web.Response(
            status=HTTPStatus.OK.value,
            body=str(datum.value).encode("utf-8"),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
    encoded: dict[str, Any] = datum.value
    headers: CIMultiDict[str] = CIMultiDict()
    for name, header in encoded["headers"].items():
        if name.lower() not in _HOP_BY_HOP:
            headers.add(name, header.value)
    for cookie in encoded.get("cookies") or ():
        headers.add(hdrs.SET_COOKIE, cookie.output(header="").strip())
    body: bytes = encoded["body"].value
    return web.Response(status=int(encoded["status_code"].value), body=body, headers=headers)


def empty_response(status: HTTPStatus) -> web.Response:
    """What the host answers for no route or a failed function: the status, no body."""
    return web.Response(status=status.value)


class HttpServer:
    """Serves the HTTP-triggered functions under ``/<routePrefix>/``."""

    def __init__(
        self,
        functions: Sequence[LoadedFunction],
        route_prefix: str,
        *,
        host: str,
        port: int,
        shutdown_timeout: float,
        function_timeout: timedelta = DEFAULT_FUNCTION_TIMEOUT,
        front: Front | None = None,
        limits: ConnectionLimits = DEFAULT_LIMITS,
        response_limit: timedelta = HTTP_RESPONSE_LIMIT,
    ) -> None:
        self._router = build_router(functions, route_prefix)
        self._function_timeout = function_timeout
        self._response_limit = response_limit.total_seconds()
        self._front = front
        self._host = host
        self._port = port
        self._limits = limits
        app = web.Application(client_max_size=MAX_REQUEST_BODY_BYTES)
        # Every path, also one whose decoded segments hold a line break ("." would not match
        # it, and aiohttp would answer its own plain-text 404): the functions judge the values.
        app.router.add_route("*", r"/{path:[\s\S]*}", self._serve)
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=shutdown_timeout,
            keepalive_timeout=limits.idle_timeout,
            logger=refusal_logger(),
        )
        self._bound_port: int | None = None

    @property
    def port(self) -> int:
        if self._bound_port is None:
            raise RuntimeError("The HTTP server has not started.")
        return self._bound_port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    async def start(self) -> None:
        await self._runner.setup()
        site = CappedTCPSite(self._runner, self._host, self._port, self._limits.max_connections)
        await site.start()
        # With port 0 the OS picks the port; read back the one actually bound.
        address: Any = self._runner.addresses[0]
        self._bound_port = int(address[1])

    async def stop(self) -> None:
        """Stop listening, let running requests finish (bounded), then close connections."""
        await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        response = await self._handle(request)
        if request.body_exists and not request.content.is_eof():
            # Answered without reading the body (404, 405, 401, a static file): aiohttp would
            # drain, and decode, it after the response, and a body that does not decode would
            # log an "Unhandled exception". Closing the connection leaves it unread instead.
            request.content.feed_eof()
            response.force_close()
        return response

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            url = request_url(request)
        except BadHostHeader as bad_host:
            return _refuse(HTTPStatus.BAD_REQUEST, str(bad_host), request)
        if self._front is not None:
            return await self._front(request, partial(self._call_function, url=url))
        return await self._call_function(request, url)

    async def _call_function(self, request: web.Request, url: str) -> web.StreamResponse:
        path = request.rel_url.raw_path
        resolved = self._router.resolve(path, request.method)
        if resolved is None:
            return empty_response(HTTPStatus.NOT_FOUND)
        function = resolved.target
        trigger = function.definition.trigger
        assert isinstance(trigger, HttpTrigger)
        if (request.content_length or 0) > MAX_REQUEST_BODY_BYTES:
            return _refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, _TOO_LARGE, request)
        try:
            body = await self._read_body(request)
        except TimeoutError:
            detail = (
                f"The request body did not arrive within {self._limits.body_timeout:g} seconds."
            )
            return _refuse(HTTPStatus.REQUEST_TIMEOUT, detail, request)
        except web.HTTPRequestEntityTooLarge:
            return _refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, _TOO_LARGE, request)
        except web.RequestPayloadError as unreadable:
            # aiohttp decodes gzip and deflate bodies while reading them, and reports bytes that
            # do not decode (or broken chunked framing) here: the client's error, not the host's.
            # The rest of the body is unreadable too (_refuse leaves it unread).
            detail = "The request body is malformed and could not be read."
            if isinstance(unreadable.__cause__, ContentEncodingError):
                coding = request.headers.get(hdrs.CONTENT_ENCODING, "")
                detail = (
                    f"The request body is not valid {coding!a} data, as its Content-Encoding says."
                )
            return _refuse(HTTPStatus.BAD_REQUEST, detail, request)

        function_request = to_function_request(request, url, body, resolved.route_params)
        # Past the response limit the client gets its 502 while the function runs on; the
        # request (and its connection) ends when the function does, its answer lost.
        sent_late: list[asyncio.Task[web.StreamResponse]] = []
        watchdog = asyncio.get_running_loop().call_later(
            self._response_limit, self._answer_late, request, function.name, sent_late
        )
        try:
            response = await self._invoke(function, {trigger.binding_name: function_request})
        finally:
            watchdog.cancel()
        return await sent_late[0] if sent_late else response

    async def _invoke(
        self, function: LoadedFunction, arguments: Mapping[str, Any]
    ) -> web.StreamResponse:
        try:
            result = await invoke(
                function, arguments, HTTP_REASON, time_limit=self._function_timeout
            )
        except Exception:
            # invoke() has logged the traceback; the host answers a bare 500.
            return empty_response(HTTPStatus.INTERNAL_SERVER_ERROR)
        response = to_web_response(result)
        if response is None:
            log.error(
                "Function '%s' returned a %s, which the Python worker cannot encode for HTTP "
                "(return a func.HttpResponse); the host answers 500.",
                function.name,
                type(result).__name__,
            )
            return empty_response(HTTPStatus.INTERNAL_SERVER_ERROR)
        return response

    def _answer_late(
        self, request: web.Request, function: str, sent: list[asyncio.Task[web.StreamResponse]]
    ) -> None:
        log.error(
            "Function '%s' has not answered within %g seconds, the limit in front of the host "
            "for HTTP requests whatever functionTimeout says; the client gets a 502 and the "
            "function runs on, its response lost.",
            function,
            self._response_limit,
        )
        sent.append(asyncio.create_task(_send_bad_gateway(request)))

    async def _read_body(self, request: web.Request) -> bytes:
        """The whole body, within the body timeout while any of it is still to arrive."""
        if not request.body_exists:
            return b""
        if request.content.is_eof():
            # Received in full (or there is none): reading cannot wait, so no timer is armed.
            return await request.read()
        async with asyncio.timeout(self._limits.body_timeout):
            return await request.read()


def _refuse(status: HTTPStatus, detail: str, request: web.Request) -> web.Response:
    """A problem answer that closes the connection, like Kestrel's after a refused request:
    where this request's bytes end is no longer certain. What is left of the body stays unread,
    marked read so that aiohttp does not drain (and decode) it after the response."""
    request.content.feed_eof()
    response = problem_response(status, detail, instance=request.rel_url.path)
    response.force_close()
    return response


def _strings(values: Mapping[str, str]) -> dict[str, meta.Datum]:
    return {name: meta.Datum(text, "string") for name, text in values.items()}


def _joined(items: Any, separator: str = ",", *, fold_case: bool = False) -> dict[str, str]:
    """Collapse repeated names into one value, as the Functions host does for the worker.

    The host sends ``StringValues.ToString()``, which joins repeated values with a comma.
    """
    joined: dict[str, str] = {}
    for name, value in items:
        key = str(name).lower() if fold_case else str(name)
        joined[key] = f"{joined[key]}{separator}{value}" if key in joined else str(value)
    return joined
