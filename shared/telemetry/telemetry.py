"""The telemetry of one process: its tracer, the order-flow metrics, and trace context in text.

The W3C ``traceparent`` of the current span is what a SubmitOrder message carries, so the
order handler's span continues the trace of the submit that caused it.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta

from opentelemetry import trace
from opentelemetry.metrics import Meter
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

INSTRUMENTATION_SCOPE = "pierogi_shop"
SERVICE_NAME = "pierogi-shop"

# Span attributes naming the order a span worked on.
ORDER_ID = "order.id"
CUSTOMER = "order.customer"

_TRACEPARENT = "traceparent"
_propagator = TraceContextTextMapPropagator()


class Telemetry:
    def __init__(self, tracer: Tracer, meter: Meter, shutdown: Callable[[], None]) -> None:
        self._tracer = tracer
        self._shutdown = shutdown
        self._orders_accepted = meter.create_counter(
            "orders.accepted", unit="{order}", description="Carts accepted for ordering"
        )
        self._orders_placed = meter.create_counter(
            "orders.placed", unit="{order}", description="Orders created by the order handler"
        )
        self._submit_to_placed = meter.create_histogram(
            "orders.submit_to_placed",
            unit="s",
            description="Time from a cart's submit to its order being placed",
        )
        self._outbox_pending = meter.create_gauge(
            "outbox.pending",
            unit="{message}",
            description="SubmitOrder messages recorded but not yet sent (seen by the sweep)",
        )
        self._poison_stored = meter.create_counter(
            "poison_messages.stored",
            unit="{message}",
            description="Messages the order handler rejected into the poison store",
        )

    @contextmanager
    def invocation(
        self,
        name: str,
        *,
        kind: SpanKind,
        trace_parent: str | None,
        attributes: Mapping[str, AttributeValue],
    ) -> Iterator[Span]:
        """The span of one function invocation, a child of ``trace_parent`` when it is valid.

        An exception escaping the block is recorded on the span and marks it failed.
        """
        parent = _propagator.extract({_TRACEPARENT: trace_parent}) if trace_parent else None
        with self._tracer.start_as_current_span(
            name, context=parent, kind=kind, attributes=attributes
        ) as span:
            yield span

    @staticmethod
    def trace_parent() -> str | None:
        """The current span as a W3C traceparent; None outside a span."""
        carrier: dict[str, str] = {}
        _propagator.inject(carrier)
        return carrier.get(_TRACEPARENT)

    @staticmethod
    def annotate(attributes: Mapping[str, AttributeValue]) -> None:
        trace.get_current_span().set_attributes(attributes)

    def order_accepted(self) -> None:
        self._orders_accepted.add(1)

    def order_placed(self, submit_to_placed: timedelta) -> None:
        self._orders_placed.add(1)
        self._submit_to_placed.record(max(submit_to_placed.total_seconds(), 0.0))

    def outbox_pending(self, count: int) -> None:
        self._outbox_pending.set(count)

    def poison_stored(self) -> None:
        self._poison_stored.add(1)

    def shutdown(self) -> None:
        """Export what is buffered and stop the exporters (blocking: call off the event loop)."""
        self._shutdown()
