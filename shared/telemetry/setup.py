"""Turning telemetry on from the app settings: Application Insights, the console, OTLP or off.

Imported by the composition root on every start, so OpenTelemetry is imported only inside the
functions, when telemetry is on.
"""

from typing import TYPE_CHECKING, Any

from shared.settings import (
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING,
    APPLICATIONINSIGHTS_CONNECTION_STRING,
    DEFAULT_OTLP_ENDPOINT,
    OTLP_ENDPOINT,
    SettingError,
    Settings,
)

if TYPE_CHECKING:
    from shared.telemetry.telemetry import Telemetry

# configure_azure_monitor sets the process-wide providers and instruments logging: once only.
_azure_monitor: "Telemetry | None" = None


def start_telemetry(settings: Settings) -> "Telemetry | None":
    """The process's telemetry as the settings ask for it; None when it is off (the default)."""
    exporter = settings.telemetry_exporter()
    if exporter == "off":
        return None
    if exporter == "azuremonitor":
        return _start_azure_monitor(settings)
    return _start_local(settings, console=exporter == "console")


def azure_monitor_options(settings: Settings) -> dict[str, Any]:
    """Arguments for configure_azure_monitor: keyless with a managed identity when asked.

    ``APPLICATIONINSIGHTS_AUTHENTICATION_STRING`` is ``Authorization=AAD`` (system-assigned
    identity) or ``Authorization=AAD;ClientId=<id>`` (a user-assigned one), as the Functions
    host reads it for its own telemetry.
    """
    options: dict[str, Any] = {
        "connection_string": settings.require(APPLICATIONINSIGHTS_CONNECTION_STRING),
        # Logging is the host's to export (it sends the function logs to Application Insights).
        "logger_name": "shared",
        # Every trace, decided by the trace id (the same in the web and the worker): the
        # distro's default, at most 5 traces a second, drops whole orders, even the first
        # spans after start. OTEL_TRACES_SAMPLER / _ARG still override it.
        "sampling_ratio": 1.0,
    }
    authentication = settings.get(APPLICATIONINSIGHTS_AUTHENTICATION_STRING)
    if authentication is not None:
        from azure.identity import ManagedIdentityCredential

        client_id = managed_identity_client_id(authentication)
        options["credential"] = (
            ManagedIdentityCredential(client_id=client_id)
            if client_id
            else ManagedIdentityCredential()
        )
    return options


def managed_identity_client_id(authentication: str) -> str | None:
    """The client id of ``Authorization=AAD;ClientId=<id>``; None for ``Authorization=AAD``."""
    pairs = (part.partition("=") for part in authentication.split(";") if part.strip())
    fields = {key.strip().lower(): value.strip() for key, _, value in pairs}
    if fields.get("authorization", "").lower() != "aad":
        raise SettingError(
            f"App setting '{APPLICATIONINSIGHTS_AUTHENTICATION_STRING}' must start with "
            "'Authorization=AAD'."
        )
    return fields.get("clientid") or None


def _start_azure_monitor(settings: Settings) -> "Telemetry":
    global _azure_monitor
    if _azure_monitor is None:
        from azure.monitor.opentelemetry import configure_azure_monitor
        from opentelemetry import metrics, trace

        from shared.telemetry.telemetry import INSTRUMENTATION_SCOPE, Telemetry

        configure_azure_monitor(**azure_monitor_options(settings))
        tracer_provider: Any = trace.get_tracer_provider()
        meter_provider: Any = metrics.get_meter_provider()

        def shutdown() -> None:
            tracer_provider.force_flush()
            meter_provider.force_flush()

        _azure_monitor = Telemetry(
            trace.get_tracer(INSTRUMENTATION_SCOPE),
            metrics.get_meter(INSTRUMENTATION_SCOPE),
            shutdown,
        )
    return _azure_monitor


def _start_local(settings: Settings, *, console: bool) -> "Telemetry":
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import (
        ConsoleMetricExporter,
        MetricExporter,
        MetricsData,
        PeriodicExportingMetricReader,
    )
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
    )

    from shared.telemetry.telemetry import INSTRUMENTATION_SCOPE, SERVICE_NAME, Telemetry

    processor: SpanProcessor
    metric_exporter: MetricExporter
    if console:

        def span_line(span: ReadableSpan) -> str:
            return str(span.to_json(indent=None)) + "\n"

        def metrics_line(data: MetricsData) -> str:
            return str(data.to_json(indent=None)) + "\n"

        # One JSON object a line, written as each span ends, between the host's log lines.
        processor = SimpleSpanProcessor(ConsoleSpanExporter(formatter=span_line))
        metric_exporter = ConsoleMetricExporter(formatter=metrics_line)
    else:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = (settings.get(OTLP_ENDPOINT) or DEFAULT_OTLP_ENDPOINT).rstrip("/")
        processor = BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces"))
        metric_exporter = OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics")
    resource = Resource.create({"service.name": SERVICE_NAME})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(processor)
    # The export interval is OTEL_METRIC_EXPORT_INTERVAL (milliseconds, default 60000).
    meter_provider = MeterProvider(
        resource=resource, metric_readers=[PeriodicExportingMetricReader(metric_exporter)]
    )

    def shutdown() -> None:
        tracer_provider.shutdown()
        meter_provider.shutdown()

    return Telemetry(
        tracer_provider.get_tracer(INSTRUMENTATION_SCOPE),
        meter_provider.get_meter(INSTRUMENTATION_SCOPE),
        shutdown,
    )
