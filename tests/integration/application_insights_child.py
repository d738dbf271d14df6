"""Run in a child process by test_application_insights_export: configure_azure_monitor sets
process-wide providers and instruments logging, so it must not run inside the test process.

Starts a stand-in for the Application Insights ingestion endpoint on 127.0.0.1, turns telemetry
on with a connection string pointing at it, records one invocation span and one metric, flushes,
and prints the envelopes received as one JSON line.
"""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

from opentelemetry.trace import SpanKind

from shared.settings import Settings
from shared.telemetry.setup import start_telemetry


class Ingestion(BaseHTTPRequestHandler):
    envelopes: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        received = json.loads(body)
        Ingestion.envelopes.extend(received)
        answer = json.dumps(
            {"itemsReceived": len(received), "itemsAccepted": len(received), "errors": []}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    server = HTTPServer(("127.0.0.1", 0), Ingestion)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connection_string = (
        "InstrumentationKey=00000000-0000-0000-0000-000000000001;"
        f"IngestionEndpoint=http://127.0.0.1:{server.server_port}/"
    )
    telemetry = start_telemetry(
        Settings({"APPLICATIONINSIGHTS_CONNECTION_STRING": connection_string})
    )
    assert telemetry is not None
    with telemetry.invocation(
        "HttpSubmitOrder",
        kind=SpanKind.SERVER,
        trace_parent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        attributes={"order.id": "order-1"},
    ):
        telemetry.order_accepted()
    telemetry.shutdown()
    server.shutdown()
    print(json.dumps(Ingestion.envelopes))


if __name__ == "__main__":
    main()
