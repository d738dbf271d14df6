"""One trace per order across the web and worker processes, printed by the console exporter.

The hosts run with ``TelemetryExporter=console``: each span is one JSON line in the host's
output, between its log lines, and every log line written inside a span names its trace id.
"""

import json
import re
from typing import Any

from tests.e2e.conftest import HostFactory, HostProcess
from tests.e2e.test_order_flow import new_cart_with_pierogi, wait_until_placed

CONSOLE = {"TelemetryExporter": "console"}
CLIENT_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN_ID = "00f067aa0ba902b7"


def spans(*hosts: HostProcess) -> list[dict[str, Any]]:
    found = []
    for host in hosts:
        for line in host.all_output:
            if line.startswith("{") and '"trace_id"' in line:
                found.append(json.loads(line))
    return found


def invocations(found: list[dict[str, Any]], function: str, order_id: str) -> list[dict[str, Any]]:
    """Spans of ``function`` that worked on the order (its id an attribute of the span)."""
    return [
        span
        for span in found
        if span["name"] == function and span["attributes"].get("order.id") == order_id
    ]


def test_one_trace_follows_an_order_from_submit_through_the_queue_to_the_order(
    host_factory: HostFactory,
) -> None:
    # The worker re-sends what the web role could not send, every second once a second old.
    worker = host_factory.start(
        "worker",
        settings={
            **CONSOLE,
            "OutboxSweepSchedule": "*/1 * * * * *",
            "OutboxResendAfterSeconds": "1",
        },
    )
    # The web role's first send fails: that order's message is sent by the worker's sweep.
    web = host_factory.start("web", settings={**CONSOLE, "FaultSendFailFirst": "1"})
    with web.client() as api:
        resent_id = new_cart_with_pierogi(api, "anna")
        traceparent = f"00-{CLIENT_TRACE_ID}-{CLIENT_SPAN_ID}-01"
        submitted = api.post(
            f"/customers/anna/carts/{resent_id}/submit", headers={"traceparent": traceparent}
        )
        assert submitted.status_code == 202
        sent_id = new_cart_with_pierogi(api, "bartek")
        assert api.post(f"/customers/bartek/carts/{sent_id}/submit").status_code == 202
        assert wait_until_placed(api, "anna", resent_id).status_code == 200
        assert wait_until_placed(api, "bartek", sent_id).status_code == 200
    worker.wait_for_output(f"Order submitted {sent_id}")
    worker.wait_for_output(r'"name": ?"ProcessSubmitOrder"')

    for order_id, customer in ((resent_id, "anna"), (sent_id, "bartek")):
        found = spans(web, worker)
        (submit,) = invocations(found, "HttpSubmitOrder", order_id)
        handled = invocations(found, "ProcessSubmitOrder", order_id)
        assert handled, f"no ProcessSubmitOrder span for {order_id}"
        trace_id = submit["context"]["trace_id"]
        for span in handled:
            # A child of the submit in the web process, whoever sent the message.
            assert span["context"]["trace_id"] == trace_id
            assert span["parent_id"] == submit["context"]["span_id"]
            assert span["kind"] == "SpanKind.CONSUMER"
            assert span["attributes"]["order.customer"] == customer
        assert submit["attributes"]["order.customer"] == customer
        assert submit["attributes"]["http.response.status_code"] == 202
        # The worker's log line of the order carries the same trace id.
        placed = worker.wait_for_output(f"Order submitted {order_id}")
        assert f"[TraceId={trace_id.removeprefix('0x')}]" in placed

    anna_submit = invocations(spans(web), "HttpSubmitOrder", resent_id)[0]
    # The submit continued the shopper's trace (the traceparent header).
    assert anna_submit["context"]["trace_id"] == f"0x{CLIENT_TRACE_ID}"
    assert anna_submit["parent_id"] == f"0x{CLIENT_SPAN_ID}"
    # Anna's message was sent by the sweep in the worker, not by the web role.
    sweeps = [span for span in spans(worker) if span["name"] == "DispatchOutbox"]
    assert sweeps
    assert any(re.search(r"Outbox sweep re-sent [1-9]", line) for line in worker.all_output)
