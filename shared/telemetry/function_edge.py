"""One span per function invocation: decorators for the function folders' entry points.

The span continues the caller's trace: an HTTP request's ``traceparent`` header, a queue
message's ``Diagnostic-Id`` property (written with the SubmitOrder message by the outbox). With
telemetry off each decorator calls straight through.
"""

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

from shared.api.http import HttpRequestLike, header
from shared.bootstrap import application
from shared.ports import TRACE_PARENT_PROPERTIES

# Server errors mark the span failed; a 4xx is the client's mistake, not the function's.
_FIRST_SERVER_ERROR = 500


class HttpResponseLike(Protocol):
    @property
    def status_code(self) -> int: ...


class QueueMessageLike(Protocol):
    @property
    def message_id(self) -> str | None: ...

    @property
    def correlation_id(self) -> str | None: ...

    @property
    def delivery_count(self) -> int | None: ...

    @property
    def application_properties(self) -> Mapping[str, Any]: ...


Request = TypeVar("Request", bound=HttpRequestLike)
Response = TypeVar("Response", bound=HttpResponseLike)
Message = TypeVar("Message", bound=QueueMessageLike)
Timer = TypeVar("Timer")


def function_name(entry: Callable[..., Any]) -> str:
    """The function's folder: its module is ``<Folder>`` locally, ``__app__.<Folder>`` in Azure."""
    return entry.__module__.rpartition(".")[2]


def traced_http(
    main: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    name = function_name(main)

    @functools.wraps(main)
    async def traced(req: Request) -> Response:
        telemetry = application().telemetry
        if telemetry is None:
            return await main(req)
        from opentelemetry.trace import SpanKind, Status, StatusCode

        attributes = {"http.request.method": req.method, "faas.trigger": "http"}
        with telemetry.invocation(
            name,
            kind=SpanKind.SERVER,
            trace_parent=header(req, "traceparent"),
            attributes=attributes,
        ) as span:
            response = await main(req)
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= _FIRST_SERVER_ERROR:
                span.set_status(Status(StatusCode.ERROR))
            return response

    return traced


def traced_queue(
    main: Callable[[Message], Awaitable[None]],
) -> Callable[[Message], Awaitable[None]]:
    name = function_name(main)

    @functools.wraps(main)
    async def traced(msg: Message) -> None:
        telemetry = application().telemetry
        if telemetry is None:
            return await main(msg)
        from opentelemetry.trace import SpanKind

        attributes: dict[str, str | int] = {
            "faas.trigger": "pubsub",
            "messaging.system": "servicebus",
            "messaging.message.id": msg.message_id or "",
            "messaging.message.conversation_id": msg.correlation_id or "",
            "messaging.servicebus.message.delivery_count": msg.delivery_count or 0,
        }
        with telemetry.invocation(
            name,
            kind=SpanKind.CONSUMER,
            trace_parent=message_trace_parent(msg.application_properties),
            attributes=attributes,
        ):
            await main(msg)

    return traced


def traced_timer(
    main: Callable[[Timer], Awaitable[None]],
) -> Callable[[Timer], Awaitable[None]]:
    name = function_name(main)

    @functools.wraps(main)
    async def traced(timer: Timer) -> None:
        telemetry = application().telemetry
        if telemetry is None:
            return await main(timer)
        from opentelemetry.trace import SpanKind

        with telemetry.invocation(
            name, kind=SpanKind.INTERNAL, trace_parent=None, attributes={"faas.trigger": "timer"}
        ):
            await main(timer)

    return traced


def message_trace_parent(properties: Mapping[str, Any]) -> str | None:
    """The W3C traceparent a message carries, if any."""
    for name in TRACE_PARENT_PROPERTIES:
        value = properties.get(name)
        if isinstance(value, str) and value:
            return value
    return None
