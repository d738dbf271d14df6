"""Which telemetry the settings turn on, and how Application Insights is reached."""

import subprocess
import sys
from pathlib import Path

import pytest
from azure.identity import ManagedIdentityCredential

from shared.settings import SettingError, Settings
from shared.telemetry.setup import (
    azure_monitor_options,
    managed_identity_client_id,
    start_telemetry,
)
from tests.conftest import embedded_settings

REPO_ROOT = Path(__file__).resolve().parents[4]
CONNECTION_STRING = (
    "InstrumentationKey=00000000-0000-0000-0000-000000000000;"
    "IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/"
)


def test_telemetry_is_off_unless_a_setting_turns_it_on() -> None:
    assert Settings({}).telemetry_exporter() == "off"
    assert start_telemetry(Settings({})) is None
    assert start_telemetry(Settings({"TelemetryExporter": "off"})) is None


@pytest.mark.parametrize("exporter", ["console", "otlp"])
def test_a_local_exporter_is_chosen_by_one_setting(exporter: str) -> None:
    assert Settings({"TelemetryExporter": exporter}).telemetry_exporter() == exporter


def test_an_unknown_exporter_is_refused_naming_the_setting() -> None:
    with pytest.raises(SettingError, match="TelemetryExporter"):
        Settings({"TelemetryExporter": "jaeger"}).telemetry_exporter()


def test_the_application_insights_connection_string_turns_on_azure_monitor() -> None:
    settings = Settings(
        {"APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION_STRING, "TelemetryExporter": "off"}
    )
    assert settings.telemetry_exporter() == "azuremonitor"
    options = azure_monitor_options(settings)
    assert options["connection_string"] == CONNECTION_STRING
    assert options["sampling_ratio"] == 1.0  # one order, one whole trace
    assert "credential" not in options


@pytest.mark.parametrize(
    ("authentication", "client_id"),
    [
        (
            "Authorization=AAD;ClientId=11111111-2222-3333-4444-555555555555",
            "11111111-2222-3333-4444-555555555555",
        ),
        ("authorization=aad; clientid=abc ", "abc"),
        ("Authorization=AAD", None),
    ],
)
def test_keyless_export_uses_the_managed_identity(
    authentication: str, client_id: str | None
) -> None:
    assert managed_identity_client_id(authentication) == client_id
    options = azure_monitor_options(
        Settings(
            {
                "APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION_STRING,
                "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": authentication,
            }
        )
    )
    assert isinstance(options["credential"], ManagedIdentityCredential)


def test_an_authentication_string_other_than_aad_is_refused() -> None:
    with pytest.raises(SettingError, match="APPLICATIONINSIGHTS_AUTHENTICATION_STRING"):
        azure_monitor_options(
            Settings(
                {
                    "APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION_STRING,
                    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "Authorization=Key",
                }
            )
        )


def test_with_telemetry_off_opentelemetry_is_never_imported(tmp_path: Path) -> None:
    # A fresh interpreter: this test process has imported OpenTelemetry for other tests.
    script = f"""
import asyncio, sys
from shared import bootstrap
import HttpSubmitOrder, ProcessSubmitOrder, DispatchOutbox, GetHealth
from tests.integration import function_calls as api
bootstrap.configure({embedded_settings(tmp_path)!r})
async def order() -> None:
    cart_id = api.json_of(await api.create_cart("anna"))["id"]
    await api.add_item("anna", cart_id, "ruskie", 1)
    assert (await api.submit("anna", cart_id)).status_code == 202
    await bootstrap.shutdown()
asyncio.run(order())
loaded = sorted(name for name in sys.modules if name.startswith("opentelemetry"))
assert not loaded, loaded
"""
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO_ROOT, timeout=60)
