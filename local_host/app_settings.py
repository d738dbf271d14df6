"""App settings as the Functions host sees them: defaults, local.settings.json, environment.

Later sources win: the embedded defaults, then the ``Values`` of local.settings.json, then the
real environment variables. The merged settings are exported into ``os.environ`` because that
is where function code finds app settings under the real host.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_host.errors import StartupError, read_json_object
from shared.settings import (
    DEFAULT_OUTBOX_SWEEP_SCHEDULE,
    EMBEDDED_DATA_DIR,
    MESSAGING_BACKEND,
    OUTBOX_SWEEP_SCHEDULE,
    STORAGE_BACKEND,
    SUBMIT_ORDER_QUEUE,
    Settings,
)

DEFAULT_SETTINGS_FILE = "local.settings.json"
FUNCTIONS_WORKER_RUNTIME = "FUNCTIONS_WORKER_RUNTIME"


@dataclass(frozen=True)
class AppSettings:
    """App settings (of a local.settings.json file, or merged), and the file's HTTP port."""

    values: dict[str, str]
    # ``Host.LocalHttpPort``: the port `func start` listens on when none is given.
    local_http_port: int | None = None


def embedded_defaults(app_dir: Path) -> dict[str, str]:
    """Settings that run the app on the embedded SQLite backends with no configuration."""
    return {
        STORAGE_BACKEND: "sqlite",
        MESSAGING_BACKEND: "sqlite",
        EMBEDDED_DATA_DIR: str(app_dir / ".data"),
        SUBMIT_ORDER_QUEUE: "submit-order",
        # The DispatchOutbox timer's schedule ("%OutboxSweepSchedule%"): once a minute.
        OUTBOX_SWEEP_SCHEDULE: DEFAULT_OUTBOX_SWEEP_SCHEDULE,
        FUNCTIONS_WORKER_RUNTIME: "python",
    }


def read_local_settings(path: Path) -> AppSettings:
    """Parse a local.settings.json file; anything malformed is a StartupError naming it."""
    document = read_json_object(path)
    if document.get("IsEncrypted") is True:
        raise StartupError(
            f"Settings file {path} is encrypted; this host reads only plain-text settings "
            "(set IsEncrypted to false and decrypt the values)."
        )
    raw_values = document.get("Values", {})
    if not isinstance(raw_values, dict):
        raise StartupError(f"Settings file {path}: 'Values' must be a JSON object.")
    for name, value in raw_values.items():
        if not isinstance(value, str):
            raise StartupError(
                f"Settings file {path}: the value of '{name}' must be a string "
                f"(app settings are strings), got {json.dumps(value)}."
            )
    return AppSettings(values=dict(raw_values), local_http_port=_local_http_port(path, document))


def _local_http_port(path: Path, document: Mapping[str, Any]) -> int | None:
    host = document.get("Host", {})
    if not isinstance(host, dict) or "LocalHttpPort" not in host:
        return None
    port = host["LocalHttpPort"]
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise StartupError(
            f"Settings file {path}: 'Host.LocalHttpPort' must be a port number (a JSON number)."
        )
    return port


def merge_settings(
    app_dir: Path, file_values: Mapping[str, str], environ: Mapping[str, str]
) -> dict[str, str]:
    """Defaults, overridden by the file's values, overridden by the environment.

    The whole environment is included, as under the real host, where app settings simply are
    environment variables. A relative EmbeddedDataDir is taken relative to the app directory.
    """
    merged = {**embedded_defaults(app_dir), **file_values, **environ}
    data_dir = merged.get(EMBEDDED_DATA_DIR)
    if data_dir:
        merged[EMBEDDED_DATA_DIR] = str((app_dir / data_dir).resolve())
    return merged


def load_app_settings(
    app_dir: Path,
    settings_file: Path | None,
    environ: Mapping[str, str],
) -> AppSettings:
    """Load the app settings.

    ``settings_file`` None means the default local.settings.json in the app directory, which
    may be absent; a file named explicitly must exist. A relative path is relative to app_dir.
    """
    if settings_file is None:
        path = app_dir / DEFAULT_SETTINGS_FILE
        local = read_local_settings(path) if path.exists() else AppSettings(values={})
    else:
        path = settings_file if settings_file.is_absolute() else app_dir / settings_file
        if not path.exists():
            raise StartupError(f"Settings file {path} does not exist.")
        local = read_local_settings(path)
    return AppSettings(
        values=merge_settings(app_dir, local.values, environ),
        local_http_port=local.local_http_port,
    )


def load_settings(
    app_dir: Path, settings_file: Path | None, environ: Mapping[str, str]
) -> Settings:
    """The app's settings exactly as the local host loads them: how the tools read them too."""
    return Settings(load_app_settings(app_dir, settings_file, environ).values)
