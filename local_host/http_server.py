"""The HTTP role: an aiohttp server that routes requests to the HTTP-triggered functions.

Each request becomes a real ``azure.functions.HttpRequest`` and the function's
``azure.functions.HttpResponse`` is written back, the way the Functions host and the Python
worker do it. Errors that happen before or around the function are RFC 9457 problem details.
"""

import asyncio
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import azure.functions as func
from aiohttp import hdrs, web
from aiohttp.http_exceptions import ContentEncodingError
from multidict import CIMultiDict
from yarl import URL

from local_host.app_service_auth import AppServiceAuthentication
from local_host.bindings import HttpTrigger
from local_host.function_app import LoadedFunction
from local_host.function_keys import FunctionKeys
from local_host.host_logging import host_logger
from local_host.http_connections import DEFAULT_LIMITS, CappedTCPSite, ConnectionLimits
from local_host.invocation import HTTP_REASON, invoke
from local_host.problems import problem_response
from local_host.refusal_log import refusal_logger
from local_host.routing import MethodNotAllowed, Route, Router, RouteTemplate
from local_host.static_site import StaticSite

# The Functions host's request size limit; smaller limits are the functions' business.
MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024

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
log = host_logger("http")


def http_functions(functions: Sequence[LoadedFunction]) -> list[LoadedFunction]:
    return [f for f in functions if isinstance(f.definition.trigger, HttpTrigger)]


def full_route(route_prefix: str, route: str) -> str:
    """The route template under the prefix, as served: ``api/customers/{customer}/carts``."""
    return "/".join(part for part in (route_prefix.strip("/"), route.strip("/")) if part)


def build_router(functions: Sequence[LoadedFunction], route_prefix: str) -> Router[LoadedFunction]:
    routes: list[Route[LoadedFunction]] = []
    for function in http_functions(functions):
        trigger = function.definition.trigger
        assert isinstance(trigger, HttpTrigger)
        routes.append(
            Route(
                template=RouteTemplate.parse(full_route(route_prefix, trigger.route)),
                methods=frozenset(trigger.methods),
                target=function,
            )
        )
    return Router(routes)


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
    invalid = f"The Host header is not a valid host[:port] ({authority!a})."
    if _HOST_HEADER.fullmatch(authority) is None:
        raise BadHostHeader(invalid)
    try:
        # yarl also checks what the pattern does not: the port's range, the IP literal.
        return str(URL.build(scheme=request.scheme, authority=authority).join(request.rel_url))
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
    """The request headers for the function, one value per (lower-case) name."""
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
    authentication: AppServiceAuthentication | None = None,
) -> func.HttpRequest:
    headers = function_headers(request)
    if authentication is not None:
        headers = authentication.function_headers(request, headers)
    return func.HttpRequest(
        request.method,
        url,
        headers=headers,
        params=_joined(request.query.items(), separator=","),
        route_params=dict(route_params),
        body=body,
    )


def to_web_response(response: func.HttpResponse) -> web.Response:
    headers: CIMultiDict[str] = CIMultiDict()
    for name, value in response.headers.items():
        if name.lower() not in _HOP_BY_HOP:
            headers.add(name, value)
    if "Content-Type" not in headers:
        # What the Python worker does: a charset only for text types.
        mimetype: str = response.mimetype
        charset: str = response.charset
        headers["Content-Type"] = (
            f"{mimetype}; charset={charset}" if mimetype.startswith("text/") else mimetype
        )
    status: int = response.status_code
    return web.Response(status=status, body=response.get_body(), headers=headers)


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
        authentication: AppServiceAuthentication | None = None,
        keys: FunctionKeys | None = None,
        static_site: StaticSite | None = None,
        limits: ConnectionLimits = DEFAULT_LIMITS,
    ) -> None:
        self._router = build_router(functions, route_prefix)
        # Keys for authLevel function / admin routes (function_keys.py).
        self._keys = keys or FunctionKeys()
        # App Service authentication's imitation, with Authentication=appservice only.
        self._authentication = authentication
        self._api_root = "/" + route_prefix.strip("/")
        self._static_site = static_site
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
            return _bad_request(str(bad_host), request)
        if self._authentication is not None and self._authentication.serves(request.rel_url.path):
            return await self._authentication.handle(request)
        if self._static_site is not None and not self._is_api_path(request.rel_url.path):
            return await self._static_site.handle(request)
        path = request.rel_url.raw_path
        resolved = self._router.resolve(path, request.method)
        if resolved is None:
            return problem_response(
                HTTPStatus.NOT_FOUND,
                f"No function is routed at {request.method} {request.rel_url.path}.",
                instance=request.rel_url.path,
            )
        if isinstance(resolved, MethodNotAllowed):
            allowed = ", ".join(resolved.allowed)
            return problem_response(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"{request.rel_url.path} does not accept {request.method}; allowed: {allowed}.",
                instance=request.rel_url.path,
                headers={"Allow": allowed},
            )
        function = resolved.target
        trigger = function.definition.trigger
        assert isinstance(trigger, HttpTrigger)
        if not self._keys.admits(trigger.auth_level, request):
            # As the Functions host: 401 with no body, before the function or its body is read.
            return web.Response(status=HTTPStatus.UNAUTHORIZED.value)
        too_large = problem_response(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"The request body is larger than the {MAX_REQUEST_BODY_BYTES} bytes the host accepts.",
            instance=request.rel_url.path,
        )
        if (request.content_length or 0) > MAX_REQUEST_BODY_BYTES:
            return too_large
        try:
            async with asyncio.timeout(self._limits.body_timeout):
                body = await request.read()
        except TimeoutError:
            return _unreadable(
                HTTPStatus.REQUEST_TIMEOUT,
                f"The request body did not arrive within {self._limits.body_timeout:g} seconds.",
                request,
            )
        except web.HTTPRequestEntityTooLarge:
            return too_large
        except web.RequestPayloadError as unreadable:
            # aiohttp decodes gzip and deflate bodies while reading them, and reports bytes that
            # do not decode (or broken chunked framing) here: the client's error, not the host's.
            # The rest of the body is unreadable too. Marked as read, aiohttp does not try to
            # drain it after the response, which would raise again and log an "Unhandled
            # exception"; the 400 closes the connection instead.
            return _unreadable(
                HTTPStatus.BAD_REQUEST, _unreadable_body_detail(request, unreadable), request
            )

        function_request = to_function_request(
            request, url, body, resolved.route_params, self._authentication
        )
        try:
            result = await invoke(function, {trigger.binding_name: function_request}, HTTP_REASON)
        except Exception:
            # invoke() has logged the traceback; the client learns nothing about internals.
            return self._internal_error(request)
        return self._function_response(function, result, request)

    def _is_api_path(self, path: str) -> bool:
        return path == self._api_root or path.startswith(self._api_root + "/")

    def _function_response(
        self, function: LoadedFunction, result: object, request: web.Request
    ) -> web.StreamResponse:
        if isinstance(result, func.HttpResponse):
            return to_web_response(result)
        if result is None:
            return web.Response(status=HTTPStatus.NO_CONTENT.value)
        if isinstance(result, str | bytes):
            body = result.encode("utf-8") if isinstance(result, str) else result
            content_type = "text/plain; charset=utf-8" if isinstance(result, str) else None
            return web.Response(
                status=HTTPStatus.OK.value,
                body=body,
                headers={"Content-Type": content_type or "application/octet-stream"},
            )
        log.error(
            "Function '%s' returned a %s; an HTTP function must return func.HttpResponse.",
            function.name,
            type(result).__name__,
        )
        return self._internal_error(request)

    @staticmethod
    def _internal_error(request: web.Request) -> web.Response:
        return problem_response(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "The function failed while handling the request; the host log has the details.",
            instance=request.rel_url.path,
        )


def _bad_request(detail: str, request: web.Request) -> web.Response:
    response = problem_response(HTTPStatus.BAD_REQUEST, detail, instance=request.rel_url.path)
    # Like Kestrel after a bad request: where this request's bytes end is no longer certain,
    # so nothing more is read from the connection.
    response.force_close()
    return response


def _unreadable(status: HTTPStatus, detail: str, request: web.Request) -> web.Response:
    """A refusal of a body left unread: marked read so aiohttp does not drain (and decode) it,
    and the connection is closed, since where the request's bytes end is not known."""
    request.content.feed_eof()
    response = problem_response(status, detail, instance=request.rel_url.path)
    response.force_close()
    return response


def _unreadable_body_detail(request: web.Request, error: web.RequestPayloadError) -> str:
    if isinstance(error.__cause__, ContentEncodingError):
        coding = request.headers.get(hdrs.CONTENT_ENCODING, "")
        return f"The request body is not valid {coding!a} data, as its Content-Encoding says."
    return "The request body is malformed and could not be read."


def _joined(items: Any, separator: str = ", ", *, fold_case: bool = False) -> dict[str, str]:
    """Collapse repeated names into one value, as the Functions host does for the worker."""
    joined: dict[str, str] = {}
    for name, value in items:
        key = str(name).lower() if fold_case else str(name)
        joined[key] = f"{joined[key]}{separator}{value}" if key in joined else str(value)
    return joined
