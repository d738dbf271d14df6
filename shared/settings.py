"""App settings, read through an injectable mapping so tests never touch os.environ.

Names follow Azure Functions conventions: in Azure they are application settings, locally the
``Values`` of local.settings.json; the Functions host exposes both as environment variables.
A missing or malformed setting fails at once, naming the setting.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

STORAGE_BACKEND = "StorageBackend"
MESSAGING_BACKEND = "MessagingBackend"
EMBEDDED_DATA_DIR = "EmbeddedDataDir"
SUBMIT_ORDER_QUEUE = "SubmitOrderQueue"
EMBEDDED_QUEUE_LOCK_DURATION_SECONDS = "EmbeddedQueueLockDurationSeconds"
EMBEDDED_QUEUE_MAX_DELIVERY_COUNT = "EmbeddedQueueMaxDeliveryCount"
OUTBOX_RESEND_AFTER_SECONDS = "OutboxResendAfterSeconds"
# Read by the Functions host, not by the app: the DispatchOutbox timer's "%OutboxSweepSchedule%".
OUTBOX_SWEEP_SCHEDULE = "OutboxSweepSchedule"
# How long an HTTP request may take before the app answers 503 itself: well inside host.json's
# functionTimeout and the 230 s the Azure front end waits for an HTTP function.
REQUEST_TIME_LIMIT_SECONDS = "RequestTimeLimitSeconds"
DEFAULT_OUTBOX_SWEEP_SCHEDULE = "0 */1 * * * *"
# Telemetry: Application Insights when its connection string is set (as Azure sets it), else
# TelemetryExporter: off (default), console (spans and metrics printed) or otlp.
TELEMETRY_EXPORTER = "TelemetryExporter"
APPLICATIONINSIGHTS_CONNECTION_STRING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
# "Authorization=AAD;ClientId=<client id>": keyless export with that managed identity.
APPLICATIONINSIGHTS_AUTHENTICATION_STRING = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
OTLP_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
DEFAULT_OTLP_ENDPOINT = "http://localhost:4318"
# Who authenticates shoppers: "appservice" (App Service authentication in front of the app,
# which passes the signed-in principal in X-MS-CLIENT-PRINCIPAL headers), "staticwebapps"
# (an Azure Static Web Apps site with this app as its linked backend, which passes its own
# principal in that header) or "none".
AUTHENTICATION = "Authentication"
# "true" lets an app running in Azure start with Authentication=none (a deliberate choice,
# e.g. a private test deployment); without it such an app refuses to start.
ALLOW_AUTHENTICATION_NONE_IN_AZURE = "AllowAuthenticationNoneInAzure"
# Set by the platform on every App Service and Functions instance, never by the local host.
AZURE_PLATFORM_VARIABLES = ("WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME")

StorageBackend = Literal["sqlite", "cosmos"]
MessagingBackend = Literal["sqlite", "servicebus"]
TelemetryExporter = Literal["off", "console", "otlp", "azuremonitor"]
Authentication = Literal["appservice", "staticwebapps", "none"]


class SettingError(Exception):
    """A setting is missing or malformed; the message names it."""


class Settings:
    """Typed access to a mapping of app settings."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self._values.get(name)
        return value if value not in (None, "") else default

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise SettingError(f"App setting '{name}' is missing, and has no default.")
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.require(name)
        if value not in allowed:
            raise SettingError(
                f"App setting '{name}' is '{value}'; expected one of: {', '.join(allowed)}."
            )
        return value

    def integer(self, name: str, default: int, *, minimum: int, maximum: int) -> int:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingError(
                f"App setting '{name}' is '{raw}'; expected a whole number."
            ) from None
        if not minimum <= value <= maximum:
            raise SettingError(f"App setting '{name}' is {value}; expected {minimum} to {maximum}.")
        return value

    def storage_backend(self) -> StorageBackend:
        return (
            "cosmos" if self.choice(STORAGE_BACKEND, ("sqlite", "cosmos")) == "cosmos" else "sqlite"
        )

    def messaging_backend(self) -> MessagingBackend:
        backend = self.choice(MESSAGING_BACKEND, ("sqlite", "servicebus"))
        return "servicebus" if backend == "servicebus" else "sqlite"

    def running_in_azure(self) -> bool:
        """True on an App Service / Functions instance: the platform's own variables say so."""
        return any(self.get(name) for name in AZURE_PLATFORM_VARIABLES)

    def authentication(self) -> Authentication:
        """Who authenticates shoppers; ``none`` (the default) is refused in Azure unless allowed."""
        value = self.get(AUTHENTICATION, "none")
        if value not in ("appservice", "staticwebapps", "none"):
            raise SettingError(
                f"App setting '{AUTHENTICATION}' is '{value}'; expected one of: appservice, "
                "staticwebapps, none."
            )
        if value == "appservice":
            return "appservice"
        if value == "staticwebapps":
            return "staticwebapps"
        if self.running_in_azure() and self.get(ALLOW_AUTHENTICATION_NONE_IN_AZURE) != "true":
            raise SettingError(
                f"App setting '{AUTHENTICATION}' is 'none' while running in Azure: anyone could "
                f"reach any shopper's carts. Set it to 'appservice' (and turn on App Service "
                f"authentication) or 'staticwebapps' (behind a Static Web Apps site), or set "
                f"'{ALLOW_AUTHENTICATION_NONE_IN_AZURE}' to 'true' to "
                "run without authentication on purpose."
            )
        return "none"

    def submit_order_queue(self) -> str:
        return self.require(SUBMIT_ORDER_QUEUE)

    def outbox_resend_after(self) -> timedelta:
        """How old a pending outbox entry must be before the sweep or a resubmit re-sends it."""
        return timedelta(
            seconds=self.integer(OUTBOX_RESEND_AFTER_SECONDS, 10, minimum=1, maximum=3600)
        )

    def telemetry_exporter(self) -> TelemetryExporter:
        if self.get(APPLICATIONINSIGHTS_CONNECTION_STRING) is not None:
            return "azuremonitor"
        if self.get(TELEMETRY_EXPORTER) is None:
            return "off"
        exporter = self.choice(TELEMETRY_EXPORTER, ("off", "console", "otlp"))
        return "console" if exporter == "console" else "otlp" if exporter == "otlp" else "off"

    def request_time_limit(self) -> timedelta:
        return timedelta(
            seconds=self.integer(REQUEST_TIME_LIMIT_SECONDS, 30, minimum=1, maximum=200)
        )

    def embedded(self) -> "EmbeddedSettings":
        data_dir = Path(self.require(EMBEDDED_DATA_DIR))
        return EmbeddedSettings(
            data_dir=data_dir,
            lock_duration=timedelta(
                seconds=self.integer(
                    EMBEDDED_QUEUE_LOCK_DURATION_SECONDS, 30, minimum=1, maximum=300
                )
            ),
            # Service Bus allows 1 to 2000; the emulator 1 to 10. 10 is the Azure default.
            max_delivery_count=self.integer(
                EMBEDDED_QUEUE_MAX_DELIVERY_COUNT, 10, minimum=1, maximum=2000
            ),
        )


@dataclass(frozen=True)
class EmbeddedSettings:
    """Where and how the embedded (SQLite) backends keep their data."""

    data_dir: Path
    lock_duration: timedelta
    max_delivery_count: int

    @property
    def documents_path(self) -> Path:
        return self.data_dir / "documents.sqlite3"

    @property
    def queue_path(self) -> Path:
        return self.data_dir / "queue.sqlite3"
