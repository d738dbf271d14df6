"""The parts of host.json that the local host honours."""

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from local_host.errors import StartupError, read_json_object

HOST_JSON = "host.json"
# A .NET TimeSpan as this app writes them in host.json, "hh:mm:ss"; days, fractions of a
# second and functionTimeout's "-1" (no limit) are refused rather than read differently.
_TIMESPAN = re.compile(r"(\d{1,2}):([0-5]\d):([0-5]\d)")
# Without a functionTimeout, the Flex Consumption plan's default.
DEFAULT_FUNCTION_TIMEOUT = timedelta(minutes=30)


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    # Service Bus trigger: invocations in flight per queue, and how long a message lock is
    # renewed for while its invocation runs (the extension's defaults).
    max_concurrent_calls: int = 16
    max_auto_lock_renewal: timedelta = timedelta(minutes=5)
    # functionTimeout: how long any invocation may run.
    function_timeout: timedelta = DEFAULT_FUNCTION_TIMEOUT


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

    # The Python trigger settles only by auto-complete: returning completes, raising abandons.
    # Turned off (extension 5.x's key, or messageHandlerOptions.autoComplete of 2.x-4.x), the
    # function would have to settle messages itself, which Python cannot; this host only
    # imitates auto-complete, so it refuses false rather than complete messages regardless.
    handler_options = _section(path, service_bus, "messageHandlerOptions")
    for parent, key in ((service_bus, "autoCompleteMessages"), (handler_options, "autoComplete")):
        if parent.get(key, True) is not True:
            where = "" if parent is service_bus else "messageHandlerOptions."
            raise StartupError(
                f"{path}: extensions.serviceBus.{where}{key} must be true (or left out): the "
                "local host settles Service Bus messages only by auto-complete."
            )

    renewal = _timespan(
        path, service_bus, "maxAutoLockRenewalDuration", defaults.max_auto_lock_renewal
    )
    timeout = _timespan(path, document, "functionTimeout", defaults.function_timeout)
    if timeout <= timedelta(0):
        raise StartupError(f"{path}: functionTimeout must be longer than 00:00:00.")

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


def _timespan(path: Path, parent: dict[str, Any], name: str, default: timedelta) -> timedelta:
    value = parent.get(name)
    if value is None:
        return default
    found = _TIMESPAN.fullmatch(value) if isinstance(value, str) else None
    if found is None or int(found[1]) > 23:
        raise StartupError(f"{path}: {name} must be a TimeSpan hh:mm:ss, such as 00:05:00.")
    hours, minutes, seconds = map(int, found.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)
