"""APPLICATIONINSIGHTS_CONNECTION_STRING set: spans and metrics reach the ingestion endpoint.

The real azure-monitor-opentelemetry distro and exporter, against a stand-in ingestion endpoint
on 127.0.0.1, in a child process (see application_insights_child).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_a_span_becomes_a_request_in_the_submits_operation_and_metrics_follow() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "tests.integration.application_insights_child"],
        cwd=REPO_ROOT,
        # The exporter's own usage statistics go to a fixed Microsoft endpoint: not from here.
        env={**os.environ, "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    envelopes = json.loads(finished.stdout.splitlines()[-1])
    requests = [e for e in envelopes if e["name"] == "Microsoft.ApplicationInsights.Request"]
    (request,) = requests
    assert request["data"]["baseData"]["name"] == "HttpSubmitOrder"
    assert request["data"]["baseData"]["properties"]["order.id"] == "order-1"
    # One operation per trace: the operation id is the trace id, the parent the caller's span.
    assert request["tags"]["ai.operation.id"] == "0af7651916cd43dd8448eb211c80319c"
    assert request["tags"]["ai.operation.parentId"] == "b7ad6b7169203331"
    metrics = [
        metric
        for e in envelopes
        if e["name"] == "Microsoft.ApplicationInsights.Metric"
        for metric in e["data"]["baseData"]["metrics"]
    ]
    assert {"name": "orders.accepted", "value": 1, "count": 1} in metrics
