"""Spans and metrics of the order flow, exported to memory, on real SQLite.

The function entry points run with real azure.functions objects; the SubmitOrder message goes
through the embedded queue and is turned into the function's message as the host does.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import DispatchOutbox
import ProcessSubmitOrder
from local_host.service_bus_message import to_function_message
from shared import bootstrap
from shared.adapters.sqlite_queue import SqliteQueue
from shared.faulty_ports import FaultySender
from shared.settings import Settings
from shared.telemetry.telemetry import Telemetry
from tests.conftest import embedded_settings
from tests.integration import function_calls as api
from tests.integration.function_calls import json_of

CLIENT_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@dataclass
class Exported:
    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader

    def finished(self, name: str) -> list[ReadableSpan]:
        return [span for span in self.spans.get_finished_spans() if span.name == name]

    def points(self, metric: str) -> list[Any]:
        data = self.metrics.get_metrics_data()
        assert data is not None
        return [
            point
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for found in scope.metrics
            if found.name == metric
            for point in found.data.data_points
        ]

    def total(self, metric: str) -> float:
        return sum(point.value for point in self.points(metric))


async def start(tmp_path: Path, **extra: str) -> AsyncIterator[Exported]:
    spans = InMemorySpanExporter()
    metrics = InMemoryMetricReader()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    meter_provider = MeterProvider(metric_readers=[metrics])

    def in_memory(_: Settings) -> Telemetry:
        def shutdown() -> None:
            tracer_provider.shutdown()
            meter_provider.shutdown()

        return Telemetry(
            tracer_provider.get_tracer("test"), meter_provider.get_meter("test"), shutdown
        )

    bootstrap.configure({**embedded_settings(tmp_path / "data"), **extra}, in_memory)
    yield Exported(spans, metrics)
    await bootstrap.shutdown()


@pytest.fixture
async def exported(tmp_path: Path) -> AsyncIterator[Exported]:
    async for found in start(tmp_path):
        yield found


def queue() -> SqliteQueue:
    sender = bootstrap.application().sender
    sender = sender.inner if isinstance(sender, FaultySender) else sender
    assert isinstance(sender, SqliteQueue)
    return sender


async def submitted_cart(customer: str, headers: dict[str, str] | None = None) -> str:
    cart_id: str = json_of(await api.create_cart(customer))["id"]
    await api.add_item(customer, cart_id, "ruskie", 2)
    assert (await api.submit(customer, cart_id, headers)).status_code == 202
    return cart_id


async def delivered() -> func.ServiceBusMessage:
    received = await queue().receive(1)
    assert len(received) == 1
    await queue().complete(received[0])
    return to_function_message(received[0])


def traceparent_of(span: ReadableSpan) -> str:
    assert span.context is not None
    return f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-01"


async def test_the_order_handler_span_is_a_child_of_the_submit_span(exported: Exported) -> None:
    cart_id = await submitted_cart("anna", {"traceparent": CLIENT_TRACEPARENT})
    (submit,) = exported.finished("HttpSubmitOrder")
    assert submit.parent is not None
    assert f"{submit.parent.span_id:016x}" == "b7ad6b7169203331"
    assert submit.attributes is not None
    assert submit.attributes["order.id"] == cart_id
    assert submit.attributes["order.customer"] == "anna"

    message = await delivered()
    # The trace context travels as the Service Bus SDK and the Functions host carry it.
    assert message.application_properties["Diagnostic-Id"] == traceparent_of(submit)
    assert message.application_properties["traceparent"] == traceparent_of(submit)
    assert message.correlation_id is not None  # the correlation id still travels too
    await ProcessSubmitOrder.main(message)

    (handled,) = exported.finished("ProcessSubmitOrder")
    assert submit.context is not None
    assert handled.context is not None
    assert handled.parent is not None
    assert handled.context.trace_id == submit.context.trace_id
    assert handled.parent.span_id == submit.context.span_id
    assert handled.attributes is not None
    assert handled.attributes["order.id"] == cart_id
    assert handled.attributes["messaging.message.conversation_id"] == message.correlation_id


async def test_an_outbox_resend_keeps_the_submit_as_the_parent(tmp_path: Path) -> None:
    async for exported in start(tmp_path, FaultSendFailFirst="1", OutboxResendAfterSeconds="1"):
        cart_id = await submitted_cart("anna")
        assert await queue().receive(1) == []  # the first send failed; the entry is pending
        (submit,) = exported.finished("HttpSubmitOrder")
        outbox = bootstrap.application().outbox
        outbox.resend_pending_after = outbox.resend_pending_after * 0  # due at once
        await DispatchOutbox.main(TimerRequest())
        (sweep,) = exported.finished("DispatchOutbox")
        await ProcessSubmitOrder.main(await delivered())
        (handled,) = exported.finished("ProcessSubmitOrder")
        assert submit.context is not None
        assert sweep.context is not None
        assert handled.parent is not None
        assert handled.parent.span_id == submit.context.span_id
        assert sweep.context.trace_id != submit.context.trace_id
        assert handled.attributes is not None
        assert handled.attributes["order.id"] == cart_id
        # The sweep records what is still pending afterwards: nothing.
        assert [point.value for point in exported.points("outbox.pending")] == [0]


async def test_metrics_count_accepted_and_placed_orders_once(exported: Exported) -> None:
    cart_id = await submitted_cart("anna")
    assert (await api.submit("anna", cart_id)).status_code == 202  # a repeat: same order
    message = await delivered()
    await ProcessSubmitOrder.main(message)
    await ProcessSubmitOrder.main(message)  # a redelivery: no second order
    assert exported.total("orders.accepted") == 1
    assert exported.total("orders.placed") == 1
    (latency,) = exported.points("orders.submit_to_placed")
    assert latency.count == 1
    assert latency.sum >= 0


async def test_a_poison_message_is_counted_once(exported: Exported) -> None:
    await ProcessSubmitOrder.main(api.service_bus_message(b"{not json"))
    await ProcessSubmitOrder.main(api.service_bus_message(b"{not json"))
    assert exported.total("poison_messages.stored") == 1
    (span,) = exported.finished("ProcessSubmitOrder")[:1]
    assert span.attributes is not None
    assert span.attributes["messaging.message.id"] == "poison-1"


@pytest.mark.usefixtures("app_settings")
async def test_with_telemetry_off_messages_carry_no_trace_context() -> None:
    assert bootstrap.application().telemetry is None
    await submitted_cart("anna")
    message = await delivered()
    assert "Diagnostic-Id" not in message.application_properties
    assert "traceparent" not in message.application_properties
