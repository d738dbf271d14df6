"""The app's HTTP routes as its function.json files declare them, for answering unmatched requests.

The Functions host answers a request that matches no route - a method outside a route's
``methods`` included, since the host makes the method a route constraint - with an empty 404.
The app's catch-all function (``ZzzUnmatchedRoute``, tried last because the host tries routes
in the order of the functions' names) answers those requests itself, from this table: 405 with
``Allow`` when a route has this path but not this method, else 404, both as problem+json.

The table understands only what the app's routes use: literal segments and whole-segment
parameters ``{name}`` (the catch-all's own ``{*path}`` is left out of it). A route using more
of the template syntax (constraints, optional or default values, segments mixing literals and
parameters) is refused when the table is read, as the local host refuses it at start
(local_host/routing.py), rather than matched by half a rule.
"""

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

# The app directory: the folder holding host.json and the function folders.
APP_DIR = Path(__file__).resolve().parents[2]
FUNCTION_JSON = "function.json"
HTTP_TRIGGER = "httpTrigger"

_PARAMETER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_CATCH_ALL = re.compile(r"^\{\*{1,2}[^{}]*\}$")


@dataclass(frozen=True)
class DeclaredRoute:
    function: str
    template: str
    # Upper-case; empty means every method.
    methods: frozenset[str]
    pattern: re.Pattern[str]

    def matches(self, path: str) -> bool:
        return self.pattern.fullmatch(path) is not None


def template_pattern(template: str) -> re.Pattern[str]:
    """A pattern for decoded paths (no leading or trailing slash) that the template matches.

    ValueError for a template using more than literal segments and ``{name}`` parameters.
    """
    pieces: list[str] = []
    for segment in template.strip("/").split("/"):
        if _PARAMETER.fullmatch(segment):
            pieces.append("[^/]+")
        elif not segment or "{" in segment or "}" in segment:
            raise ValueError(
                f"Route '{template}': the segment '{segment}' is not a literal or a {{name}}"
                " parameter, the only route syntax this app's routes use."
            )
        else:
            pieces.append(re.escape(segment))
    # Literal segments compare ignoring ASCII case only, as ASP.NET's OrdinalIgnoreCase does.
    return re.compile("/".join(pieces), re.IGNORECASE | re.ASCII)


@dataclass(frozen=True)
class HttpTrigger:
    """One function's httpTrigger binding as its function.json declares it."""

    function: str
    route: str  # the declared route, or the function's name when it declares none
    methods: tuple[str, ...]  # as declared; empty means every method


def http_triggers(app_dir: Path = APP_DIR) -> Iterator[HttpTrigger]:
    """The httpTrigger bindings of every function folder, by folder name: the one reading of
    function.json for the app's own uses (this table and the OpenAPI description)."""
    for path in sorted(app_dir.glob(f"*/{FUNCTION_JSON}")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for binding in document.get("bindings", []):
            if binding.get("type") == HTTP_TRIGGER:
                name = path.parent.name
                methods = tuple(str(m) for m in binding.get("methods") or ())
                yield HttpTrigger(name, str(binding.get("route") or name), methods)


def read_routes(app_dir: Path) -> tuple[DeclaredRoute, ...]:
    """The HTTP routes of every function folder, the catch-all ones left out."""
    routes: list[DeclaredRoute] = []
    for trigger in http_triggers(app_dir):
        template = trigger.route.strip("/")
        if _CATCH_ALL.match(template):
            continue
        methods = frozenset(m.upper() for m in trigger.methods)
        try:
            pattern = template_pattern(template)
        except ValueError as error:
            raise ValueError(f"Function {trigger.function}: {error}") from None
        routes.append(DeclaredRoute(trigger.function, template, methods, pattern))
    return tuple(routes)


@functools.cache
def declared_routes() -> tuple[DeclaredRoute, ...]:
    """The app's routes, read once per process."""
    return read_routes(APP_DIR)


def allowed_methods(routes: tuple[DeclaredRoute, ...], raw_path: str) -> frozenset[str] | None:
    """The methods the routes accept at this path (relative to the route prefix); None if no
    route has this path. An empty set means a route accepts every method."""
    path = "/".join(unquote(segment) for segment in raw_path.strip("/").split("/"))
    matching = [route for route in routes if route.matches(path)]
    if not matching:
        return None
    if any(not route.methods for route in matching):
        return frozenset()
    return frozenset().union(*(route.methods for route in matching))
