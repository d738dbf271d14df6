"""TelemetryExporter=otlp sends over OTLP/HTTP: a stand-in collector on 127.0.0.1 decodes it."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.trace import SpanKind

from shared.settings import Settings
from shared.telemetry.setup import start_telemetry


class Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Collector.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet test output


@pytest.fixture
def collector_url() -> Iterator[str]:
    Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_spans_reach_an_otlp_collector(collector_url: str) -> None:
    telemetry = start_telemetry(
        Settings({"TelemetryExporter": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": collector_url})
    )
    assert telemetry is not None
    with telemetry.invocation(
        "HttpSubmitOrder",
        kind=SpanKind.SERVER,
        trace_parent=None,
        attributes={"faas.trigger": "http"},
    ):
        telemetry.order_accepted()
    telemetry.shutdown()  # flushes the batch

    traces = [body for path, body in Collector.received if path == "/v1/traces"]
    assert traces
    request = ExportTraceServiceRequest()
    request.ParseFromString(traces[0])
    names = [
        span.name
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert names == ["HttpSubmitOrder"]
    assert any(path == "/v1/metrics" for path, _ in Collector.received)
