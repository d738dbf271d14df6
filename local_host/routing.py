"""The router the Functions host uses: the first route, in the functions' order, that matches.

Route templates and how a path matches one are the app's (shared/api/route_template.py): the
app's catch-all function reads the same templates the same way, so it answers 404 or 405 for
exactly the requests no other route took here.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.api.route_template import RouteTemplate, ascii_lower, decode_path, split_path

T = TypeVar("T")


@dataclass(frozen=True)
class Route(Generic[T]):
    template: RouteTemplate
    # Upper-case method names; empty means every method.
    methods: frozenset[str]
    target: T

    def allows(self, method: str) -> bool:
        return not self.methods or method.upper() in self.methods


@dataclass(frozen=True)
class RouteMatch(Generic[T]):
    target: T
    route_params: dict[str, str]


class Router(Generic[T]):
    """Finds the route for a request as the Functions host does: the first that matches.

    The host maps the routes in the order of its functions, which is by name (azure-functions-host
    ``WebScriptHostHttpRoutesManager.InitializeHttpFunctionRoutes``; issue 9876: ``Products/{id}``
    in ``Details`` shadows ``Products/List`` in ``List``), not by specificity as ASP.NET Core
    does; and ``methods`` is a route constraint (``HttpMethodRouteConstraint``), so a method
    outside it simply does not match and the next route is tried. The caller gives the order.
    """

    def __init__(self, routes: Iterable[Route[T]]) -> None:
        self._routes = tuple(routes)
        # Literal routes no earlier route can also match, by their ASCII-lower-cased path: a
        # request for such a path needs one look-up, not a walk through the routes before it.
        self._literal: dict[str, Route[T]] = {}
        for index, route in enumerate(self._routes):
            if any(segment.name is not None for segment in route.template.segments):
                continue
            path = [segment.text for segment in route.template.segments]
            if all(earlier.template.match(path) is None for earlier in self._routes[:index]):
                self._literal.setdefault(ascii_lower("/".join(path)), route)

    def resolve(self, raw_path: str, method: str) -> RouteMatch[T] | None:
        if "%" not in raw_path:
            # Nothing to decode, so the raw path is the decoded one.
            literal = self._literal.get(ascii_lower(raw_path.strip("/")))
            if literal is not None and literal.allows(method):
                return RouteMatch(target=literal.target, route_params={})
        path = split_path(decode_path(raw_path))
        for route in self._routes:
            if not route.allows(method):
                continue
            values = route.template.match(path)
            if values is not None:
                return RouteMatch(target=route.target, route_params=values)
        return None
