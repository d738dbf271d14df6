"""The API holds to its OpenAPI description: served at /api/openapi.json, fuzzed by Schemathesis."""

import time

from shared.api.openapi import openapi_document
from tests.e2e.api_client import ApiClient
from tests.e2e.conftest import HostFactory
from tests.e2e.schemathesis_run import Campaign, run_schemathesis

# Per operation and phase; about 15 s for the whole run on a 2-core machine. `make fuzz` runs
# a longer campaign.
MAX_EXAMPLES = 10


def test_the_description_is_served_anonymously_as_json(api: ApiClient) -> None:
    response = api.get("/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == openapi_document()


def test_schemathesis_finds_nothing_with_every_check_and_the_links_followed(
    host_factory: HostFactory,
) -> None:
    host = host_factory.start()
    assert host.base_url is not None
    started = time.monotonic()

    result = run_schemathesis(host.base_url, Campaign(max_examples=MAX_EXAMPLES))

    summary = result.stdout[result.stdout.rfind("SUMMARY") :]
    print(f"schemathesis: {time.monotonic() - started:.1f} s\n{summary}")
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "Stateful" in summary
    assert not any("Traceback" in line for line in host.output), "\n".join(host.output[-40:])
