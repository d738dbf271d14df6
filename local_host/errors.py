"""What stops the host from starting, and the strict reading of the files that can.

host.json, function.json and local.settings.json are read as the host reads them: no comments,
no trailing commas, a JSON object or a StartupError naming the file.
"""

import json
from pathlib import Path
from typing import Any


class StartupError(Exception):
    """The function app cannot be hosted as configured; the message says what to fix."""


def read_json_object(path: Path) -> dict[str, Any]:
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise StartupError(f"Cannot read {path}: {error}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise StartupError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise StartupError(f"{path} must hold a JSON object.")
    return document
