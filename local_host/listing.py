"""The startup listing of functions, in the format `func start` prints."""

from collections.abc import Sequence

from local_host.bindings import HttpTrigger
from local_host.function_app import LoadedFunction
from local_host.http_server import full_route


def format_listing(
    functions: Sequence[LoadedFunction], route_prefix: str, base_url: str | None
) -> str:
    """One entry per function: its methods and URL for HTTP, else its trigger type."""
    lines = ["Functions:", ""]
    for function in functions:
        trigger = function.definition.trigger
        if isinstance(trigger, HttpTrigger):
            methods = f"[{','.join(trigger.methods)}] " if trigger.methods else ""
            url = f"{base_url}/{full_route(route_prefix, trigger.route)}"
            lines.append(f"        {function.name}: {methods}{url}")
        else:
            lines.append(f"        {function.name}: {function.definition.trigger_type}")
        lines.append("")
    return "\n".join(lines)
