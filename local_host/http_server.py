"""The HTTP role: an aiohttp server that routes requests to the HTTP-triggered functions.

Each request becomes a real ``azure.functions.HttpRequest`` and the function's
``azure.functions.HttpResponse`` is written back, the way the Functions host and the Python
worker do it. Errors that happen before or around the function are RFC 9457 problem details.
"""

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import azure.functions as func
from aiohttp import web
from multidict import CIMultiDict

from local_host.bindings import HttpTrigger
from local_host.function_app import LoadedFunction
from local_host.host_logging import host_logger
from local_host.invocation import HTTP_REASON, invoke
from local_host.problems import problem_response
from local_host.routing import MethodNotAllowed, Route, Router, RouteTemplate

# The Functions host's request size limit; smaller limits are the functions' business.
MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024

# Framing is the server's job; a function's own value for these would corrupt the response.
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})

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


def to_function_request(
    request: web.Request, body: bytes, route_params: Mapping[str, str]
) -> func.HttpRequest:
    return func.HttpRequest(
        request.method,
        str(request.url),
        headers=_joined(request.headers.items(), fold_case=True),
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
    ) -> None:
        self._router = build_router(functions, route_prefix)
        self._host = host
        self._port = port
        app = web.Application(client_max_size=MAX_REQUEST_BODY_BYTES)
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=shutdown_timeout
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
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        # With port 0 the OS picks the port; read back the one actually bound.
        address: Any = self._runner.addresses[0]
        self._bound_port = int(address[1])

    async def stop(self) -> None:
        """Stop listening, let running requests finish (bounded), then close connections."""
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
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
        too_large = problem_response(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"The request body is larger than the {MAX_REQUEST_BODY_BYTES} bytes the host accepts.",
            instance=request.rel_url.path,
        )
        if (request.content_length or 0) > MAX_REQUEST_BODY_BYTES:
            return too_large
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return too_large

        function = resolved.target
        trigger = function.definition.trigger
        assert isinstance(trigger, HttpTrigger)
        function_request = to_function_request(request, body, resolved.route_params)
        try:
            result = await invoke(function, {trigger.binding_name: function_request}, HTTP_REASON)
        except Exception:
            # invoke() has logged the traceback; the client learns nothing about internals.
            return self._internal_error(request)
        return self._function_response(function, result, request)

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


def _joined(items: Any, separator: str = ", ", *, fold_case: bool = False) -> dict[str, str]:
    """Collapse repeated names into one value, as the Functions host does for the worker."""
    joined: dict[str, str] = {}
    for name, value in items:
        key = str(name).lower() if fold_case else str(name)
        joined[key] = f"{joined[key]}{separator}{value}" if key in joined else str(value)
    return joined
