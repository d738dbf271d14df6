"""HTTP route templates as this app writes them, and the router the Functions host uses.

Supported: literal segments (matched ignoring ASCII case, see ``_ascii_lower``), whole-segment
parameters ``{name}`` and a catch-all ``{*name}`` as the last segment. Values are matched segment
by segment after URL-decoding each segment, so an encoded ``%2F`` stays inside its segment.

The real host accepts the whole ASP.NET Core template syntax (constraints such as ``{id:int}``,
optional ``{id?}`` and default ``{page=1}`` parameters, segments mixing literals and parameters
like ``{file}.{ext}``); the app uses none of it. Rather than imitate it partly, this host refuses
such a template at start (RouteTemplateError, reported with the function's name), so it never
answers a request differently from the real host without saying so.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import unquote

T = TypeVar("T")

_PARAMETER = re.compile(r"\{(?P<catch_all>\*?)(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}")
_TEMPLATE_SYNTAX = frozenset("{}?")

# ASP.NET compares literals with OrdinalIgnoreCase, which never pairs a non-ASCII character with
# an ASCII one. str.lower() would: the Kelvin sign (U+212A) lowers to "k" and the dotted capital
# I (U+0130) to "i", so "kelvin" would also answer "\u212aelvin". Only A-Z fold here. The price: a
# non-ASCII letter in a literal matches only itself, where ASP.NET would also pair "é" with "É";
# such literals are rare in routes, and a 404 is the safe way to differ.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


class RouteTemplateError(ValueError):
    """A route template this host cannot serve as the real host would; the message says why."""


@dataclass(frozen=True)
class Segment:
    """A literal (``name`` None), a parameter taking the whole segment, or a catch-all."""

    text: str
    name: str | None = None
    catch_all: bool = False


@dataclass(frozen=True)
class RouteTemplate:
    text: str
    segments: tuple[Segment, ...]

    @classmethod
    def parse(cls, text: str) -> "RouteTemplate":
        stripped = text.strip().strip("/")
        raw_segments = stripped.split("/") if stripped else []
        segments = tuple(_parse_segment(raw, text) for raw in raw_segments)
        names = [segment.name.lower() for segment in segments if segment.name is not None]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise RouteTemplateError(
                f"Route '{text}' uses the parameter name(s) {', '.join(twice)} twice."
            )
        if any(segment.catch_all for segment in segments[:-1]):
            raise RouteTemplateError(
                f"Route '{text}': a catch-all parameter must be the last segment."
            )
        return cls(text=stripped, segments=segments)

    def match(self, path: Sequence[str]) -> dict[str, str] | None:
        """Route values for the decoded path segments, or None when the path does not match."""
        values: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.catch_all:
                assert segment.name is not None
                rest = "/".join(path[index:])
                if rest:
                    values[segment.name] = rest
                return values
            if index >= len(path) or not path[index]:
                return None
            if segment.name is not None:
                values[segment.name] = path[index]
            elif _ascii_lower(path[index]) != _ascii_lower(segment.text):
                return None
        return values if len(path) == len(self.segments) else None


def split_path(raw_path: str) -> list[str]:
    """Decoded segments of a raw (still percent-encoded) URL path; a trailing slash is ignored."""
    trimmed = raw_path.strip("/")
    return [unquote(segment) for segment in trimmed.split("/")] if trimmed else []


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
                self._literal.setdefault(_ascii_lower("/".join(path)), route)

    def resolve(self, raw_path: str, method: str) -> RouteMatch[T] | None:
        if "%" not in raw_path:
            # Nothing to decode, so the raw path is the decoded one.
            literal = self._literal.get(_ascii_lower(raw_path.strip("/")))
            if literal is not None and literal.allows(method):
                return RouteMatch(target=literal.target, route_params={})
        path = split_path(raw_path)
        for route in self._routes:
            if not route.allows(method):
                continue
            values = route.template.match(path)
            if values is not None:
                return RouteMatch(target=route.target, route_params=values)
        return None


def _parse_segment(raw: str, template: str) -> Segment:
    if not raw:
        raise RouteTemplateError(f"Route '{template}' has an empty segment ('//').")
    if not _TEMPLATE_SYNTAX.intersection(raw):
        return Segment(text=raw)
    found = _PARAMETER.fullmatch(raw)
    if found is None:
        raise RouteTemplateError(
            f"Route '{template}': the segment '{raw}' is not supported by this host, which "
            "serves literal segments, {name} and a final {*name} only (no constraints, optional "
            "or default values, or segments mixing literals and parameters)."
        )
    return Segment(text=raw, name=found["name"], catch_all=found["catch_all"] == "*")
