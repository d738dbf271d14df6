"""The app's HTTP routes as its function.json files declare them, for answering unmatched requests.

The Functions host answers a request that matches no route - a method outside a route's
``methods`` included, since the host makes the method a route constraint - with an empty 404.
The app's catch-all function (``ZzzUnmatchedRoute``, tried last because the host tries routes
in the order of the functions' names) answers those requests itself, from this table: 405 with
``Allow`` when a route has this path but not this method, else 404, both as problem+json.

Templates are read and matched by shared/api/route_template.py, as the local host's router
reads and matches them, so the table never claims a path the router did not give a route.
The catch-all's own ``{*path}`` is left out of the table.
"""

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from shared.api.route_template import RouteTemplate

# The app directory: the folder holding host.json and the function folders.
APP_DIR = Path(__file__).resolve().parents[2]
FUNCTION_JSON = "function.json"
HTTP_TRIGGER = "httpTrigger"


@dataclass(frozen=True)
class DeclaredRoute:
    function: str
    template: RouteTemplate  # relative to the route prefix
    # Upper-case; empty means every method.
    methods: frozenset[str]

    def matches(self, path: list[str]) -> bool:
        return self.template.match(path) is not None


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
    """The HTTP routes of every function folder, the catch-all ones left out.

    ValueError (RouteTemplateError) for a template using syntax the matcher does not support.
    """
    routes: list[DeclaredRoute] = []
    for trigger in http_triggers(app_dir):
        try:
            template = RouteTemplate.parse(trigger.route)
        except ValueError as error:
            raise ValueError(f"Function {trigger.function}: {error}") from None
        if not template.has_catch_all:
            methods = frozenset(m.upper() for m in trigger.methods)
            routes.append(DeclaredRoute(trigger.function, template, methods))
    return tuple(routes)


@functools.cache
def declared_routes() -> tuple[DeclaredRoute, ...]:
    """The app's routes, read once per process."""
    return read_routes(APP_DIR)


def allowed_methods(routes: tuple[DeclaredRoute, ...], path: str) -> frozenset[str] | None:
    """The methods the routes accept at this path (the catch-all's value: relative to the route
    prefix, decoded by the host); None if no route has this path. An empty set means a route
    accepts every method."""
    # Split without trimming the front: "/x" (the value for "api//x") has an empty first
    # segment, so the route "x" does not claim it, as the router did not give it that route.
    segments = path.rstrip("/").split("/")
    matching = [route for route in routes if route.matches(segments)]
    if not matching:
        return None
    if any(not route.methods for route in matching):
        return frozenset()
    return frozenset().union(*(route.methods for route in matching))
