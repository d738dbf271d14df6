"""The parts of host.json that the local host honours."""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from local_host.errors import StartupError, read_json_object
from local_host.timespan import parse_timespan

HOST_JSON = "host.json"


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    # Service Bus trigger: invocations in flight per queue, and how long a message lock is
    # renewed for while its invocation runs (the extension's defaults).
    max_concurrent_calls: int = 16
    max_auto_lock_renewal: timedelta = timedelta(minutes=5)
    # functionTimeout: how long any invocation may run (None: "-1", no limit). Without the
    # setting, the Flex Consumption plan's default.
    function_timeout: timedelta | None = timedelta(minutes=30)


def read_host_config(app_dir: Path) -> HostConfig:
    """host.json of the app directory; a missing file means the defaults."""
    path = app_dir / HOST_JSON
    if not path.exists():
        return HostConfig()
    document = read_json_object(path)
    extensions = _section(path, document, "extensions")
    http = _section(path, extensions, "http")
    service_bus = _section(path, extensions, "serviceBus")
    defaults = HostConfig()

    route_prefix = http.get("routePrefix", defaults.route_prefix)
    if not isinstance(route_prefix, str):
        raise StartupError(f"{path}: extensions.http.routePrefix must be a string.")

    max_calls = service_bus.get("maxConcurrentCalls", defaults.max_concurrent_calls)
    if isinstance(max_calls, bool) or not isinstance(max_calls, int) or max_calls < 1:
        raise StartupError(f"{path}: extensions.serviceBus.maxConcurrentCalls must be >= 1.")

    renewal_text = service_bus.get("maxAutoLockRenewalDuration")
    renewal = defaults.max_auto_lock_renewal
    if renewal_text is not None:
        parsed = parse_timespan(renewal_text) if isinstance(renewal_text, str) else None
        if parsed is None:
            raise StartupError(
                f"{path}: extensions.serviceBus.maxAutoLockRenewalDuration must be a TimeSpan "
                "such as 00:05:00."
            )
        renewal = parsed

    timeout_text = document.get("functionTimeout")
    timeout = defaults.function_timeout
    if timeout_text is not None:
        timeout = _function_timeout(path, timeout_text)

    return HostConfig(
        route_prefix=route_prefix.strip("/"),
        function_timeout=timeout,
        max_concurrent_calls=max_calls,
        max_auto_lock_renewal=renewal,
    )


def _section(path: Path, parent: dict[str, Any], name: str) -> dict[str, Any]:
    section = parent.get(name, {})
    if not isinstance(section, dict):
        raise StartupError(f"{path}: '{name}' must be a JSON object.")
    return section


def _function_timeout(path: Path, value: Any) -> timedelta | None:
    if value == "-1":
        return None
    parsed = parse_timespan(value) if isinstance(value, str) else None
    if parsed is None or parsed <= timedelta(0):
        raise StartupError(
            f"{path}: functionTimeout must be a TimeSpan such as 00:05:00, or -1 for no limit."
        )
    return parsed
