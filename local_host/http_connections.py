"""The local host's HTTP connections: limits, and problem details for what the parser refuses.

Time and connection limits, so slow or idle clients cannot hold the server (Kestrel, in front
of the real Functions host, has the same kinds of limits):

* headers and keep-alive: a connection whose next request's headers have not arrived in full
  ``idle_timeout`` seconds after it opened or after the previous response is closed
  (aiohttp's keep-alive timer covers both: it runs until a complete request head is parsed);
* body: a request whose body has not arrived in full in ``body_timeout`` seconds is answered
  408 problem+json and its connection closed;
* connections: past ``max_connections`` open connections a new one is closed at once.

A request aiohttp's parser refuses (a malformed head, a request line or header field over
8190 bytes) never reaches the application; aiohttp answers it in plain text, this host with an
RFC 9457 problem document, as every other refusal.
"""

import asyncio
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import LineTooLong
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from local_host.host_logging import host_logger
from local_host.problems import problem_response

log = host_logger("http.limits")


@dataclass(frozen=True)
class ConnectionLimits:
    idle_timeout: float = 30.0
    body_timeout: float = 30.0
    max_connections: int = 512


DEFAULT_LIMITS = ConnectionLimits()


class _Refused(asyncio.Protocol):
    """A connection over the cap: closed as soon as it is made, nothing read or written."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class ProblemRequestHandler(RequestHandler):
    """aiohttp's connection handler, answering parser refusals with problem+json."""

    __slots__ = ()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        # Logs (through the refusal log) and raises if a response was already under way.
        super().handle_error(request, status, exc, message)
        if isinstance(exc, LineTooLong):
            detail = f"The request line or a header field is longer than {exc.args[1]} bytes."
        elif status < HTTPStatus.INTERNAL_SERVER_ERROR:
            detail = "The request is not valid HTTP/1.1 and could not be parsed."
        else:
            detail = "The host failed while handling the request."
        response = problem_response(HTTPStatus(status), detail)
        response.force_close()
        return response


class CappedTCPSite(web.TCPSite):
    """aiohttp's TCP site with a cap on open connections."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, max_connections: int) -> None:
        super().__init__(runner, host, port)
        self._max_connections = max_connections
        self._refused = 0

    async def start(self) -> None:
        # TCPSite.start with the capping protocol factory; TCPSite offers no hook for it.
        await web.BaseSite.start(self)
        self._server = await asyncio.get_running_loop().create_server(
            self._protocol, self._host, self._port
        )
        self._bound_port = self._server.sockets[0].getsockname()[1]

    def _protocol(self) -> Any:
        server = self._runner.server
        assert server is not None
        if len(server.connections) >= self._max_connections:
            self._refused += 1
            if self._refused == 1 or self._refused % 100 == 0:
                log.warning(
                    "Refused a connection: %d are open, the limit (%d refused so far).",
                    self._max_connections,
                    self._refused,
                )
            return _Refused()
        # aiohttp's own factory (server()) would build a plain RequestHandler.
        return ProblemRequestHandler(server, loop=asyncio.get_running_loop(), **server._kwargs)
