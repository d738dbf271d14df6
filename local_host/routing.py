"""HTTP route templates in the ASP.NET Core syntax the Functions host uses, and a router.

Supported: literal segments (matched ignoring ASCII case, see ``_segment_pattern``), ``{name}``,
``{name:constraint...}``, optional ``{name?}``, defaults ``{name=value}``, catch-all
``{*name}`` and segments mixing literals and parameters (``{file}.{ext}``). Values are matched
segment by segment after URL-decoding each segment, so an encoded ``%2F`` stays inside its
segment.
"""

import math
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar
from urllib.parse import unquote

T = TypeVar("T")

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class RouteTemplateError(ValueError):
    """A route template cannot be parsed; the message says why."""


@dataclass(frozen=True)
class Constraint:
    text: str
    check: Callable[[str], bool] = field(compare=False)


@dataclass(frozen=True)
class Parameter:
    name: str
    constraints: tuple[Constraint, ...] = ()
    optional: bool = False
    default: str | None = None
    catch_all: bool = False

    def accepts(self, value: str) -> bool:
        return all(constraint.check(value) for constraint in self.constraints)


@dataclass(frozen=True)
class Segment:
    parts: tuple[str | Parameter, ...]
    pattern: re.Pattern[str]

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return tuple(part for part in self.parts if isinstance(part, Parameter))

    @property
    def lone_parameter(self) -> Parameter | None:
        only = self.parts[0] if len(self.parts) == 1 else None
        return only if isinstance(only, Parameter) else None


@dataclass(frozen=True)
class RouteTemplate:
    text: str
    segments: tuple[Segment, ...]

    @classmethod
    def parse(cls, text: str) -> "RouteTemplate":
        stripped = text.strip().strip("/")
        segments = (
            tuple(_parse_segment(raw, text) for raw in stripped.split("/")) if stripped else ()
        )
        _check_structure(segments, text)
        return cls(text=stripped, segments=segments)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for segment in self.segments for p in segment.parameters)

    def match(self, path: Sequence[str]) -> dict[str, str] | None:
        """Route values for the decoded path segments, or None when the path does not match."""
        values: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            parameter = segment.lone_parameter
            if parameter is not None and parameter.catch_all:
                rest = "/".join(path[index:])
                if rest or parameter.default is not None:
                    value = rest or str(parameter.default)
                    if not parameter.accepts(value):
                        return None
                    values[parameter.name] = value
                return values
            if index >= len(path):
                if parameter is None or not (parameter.optional or parameter.default is not None):
                    return None
                if parameter.default is not None:
                    values[parameter.name] = parameter.default
                continue
            found = segment.pattern.fullmatch(path[index])
            if found is None:
                return None
            for position, part in enumerate(segment.parts):
                if isinstance(part, Parameter):
                    value = found[f"p{position}"]
                    if not part.accepts(value):
                        return None
                    values[part.name] = value
        if len(path) > len(self.segments):
            return None
        return values


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

    @property
    def routes(self) -> tuple[Route[T], ...]:
        return self._routes

    def resolve(self, raw_path: str, method: str) -> RouteMatch[T] | None:
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
    parts: list[str | Parameter] = []
    literal = ""
    index = 0
    while index < len(raw):
        char = raw[index]
        if raw.startswith("{{", index) or raw.startswith("}}", index):
            literal += char
            index += 2
        elif char == "{":
            end = _parameter_end(raw, index, template)
            if literal:
                parts.append(literal)
                literal = ""
            if parts and isinstance(parts[-1], Parameter):
                raise RouteTemplateError(
                    f"Route '{template}': parameters in '{raw}' must be separated by a literal."
                )
            parts.append(_parse_parameter(raw[index + 1 : end], template))
            index = end + 1
        elif char == "}":
            raise RouteTemplateError(f"Route '{template}' has an unmatched '}}' in '{raw}'.")
        elif char == "?":
            raise RouteTemplateError(f"Route '{template}' must not contain a query string.")
        else:
            literal += char
            index += 1
    if literal:
        parts.append(literal)
    if len(parts) > 1 and any(
        isinstance(part, Parameter) and (part.catch_all or part.optional) for part in parts
    ):
        raise RouteTemplateError(
            f"Route '{template}': optional and catch-all parameters must stand alone in a "
            f"segment ('{raw}')."
        )
    return Segment(parts=tuple(parts), pattern=_segment_pattern(parts))


def _parameter_end(raw: str, start: int, template: str) -> int:
    depth = 0
    for index in range(start + 1, len(raw)):
        char = raw[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "}" and depth == 0:
            return index
    raise RouteTemplateError(f"Route '{template}' has an unclosed '{{' in '{raw}'.")


def _parse_parameter(body: str, template: str) -> Parameter:
    catch_all = body.startswith("*")
    body = body.lstrip("*")
    name_end = len(body)
    for index, char in enumerate(body):
        if char in ":=?":
            name_end = index
            break
    name, rest = body[:name_end], body[name_end:]
    if not _NAME.match(name):
        raise RouteTemplateError(f"Route '{template}' has an invalid parameter name '{name}'.")

    constraints: list[Constraint] = []
    optional = False
    default: str | None = None
    depth = 0
    token = ""
    index = 0
    tokens: list[str] = []
    while index < len(rest):
        char = rest[index]
        if depth == 0 and char == "=":
            default = rest[index + 1 :]
            break
        if depth == 0 and char == "?" and index == len(rest) - 1:
            optional = True
            break
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if depth == 0 and char == ":":
            tokens.append(token)
            token = ""
        else:
            token += char
        index += 1
    tokens.append(token)
    # The text before the first ':' is empty (or junk that fails as a constraint).
    for text in tokens:
        if text:
            constraints.append(_constraint(text, template))
    if optional and catch_all:
        raise RouteTemplateError(f"Route '{template}': a catch-all parameter cannot be optional.")
    return Parameter(
        name=name,
        constraints=tuple(constraints),
        optional=optional,
        default=default,
        catch_all=catch_all,
    )


def _segment_pattern(parts: Sequence[str | Parameter]) -> re.Pattern[str]:
    if len(parts) == 1 and isinstance(parts[0], Parameter):
        return re.compile(r"(?P<p0>.+)", re.DOTALL)
    # Greedy parameters: like ASP.NET, which matches complex segments from the right, the
    # last literal is found last ("{name}.{ext}" on "a.b.pdf" gives name "a.b", ext "pdf").
    pieces = [
        f"(?P<p{position}>.+)" if isinstance(part, Parameter) else re.escape(part)
        for position, part in enumerate(parts)
    ]
    # ASP.NET compares literals with OrdinalIgnoreCase, which never pairs a non-ASCII character
    # with an ASCII one. Unicode-aware IGNORECASE would: the long s (U+017F) would match "s", the
    # Kelvin sign (U+212A) "k", the dotted capital I (U+0130) "i", so "carts" would also answer
    # "cart%C5%BF". re.ASCII limits case folding to A-Z/a-z; parameters are "." with DOTALL,
    # which still takes any character. The price: a non-ASCII letter in a literal matches only
    # itself, where ASP.NET would also pair "é" with "É"; such literals are rare in routes, and
    # a 404 is the safe way to differ.
    return re.compile("".join(pieces), re.ASCII | re.IGNORECASE | re.DOTALL)


def _check_structure(segments: Sequence[Segment], template: str) -> None:
    names = [p.name.lower() for segment in segments for p in segment.parameters]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise RouteTemplateError(
            f"Route '{template}' uses the parameter name(s) {', '.join(duplicates)} twice."
        )
    for index, segment in enumerate(segments):
        parameter = segment.lone_parameter
        if parameter is not None and parameter.catch_all and index != len(segments) - 1:
            raise RouteTemplateError(
                f"Route '{template}': a catch-all parameter must be the last segment."
            )
        if parameter is not None and parameter.optional:
            later = segments[index + 1 :]
            if any(
                p is None or not (p.optional or p.catch_all or p.default is not None)
                for p in (s.lone_parameter for s in later)
            ):
                raise RouteTemplateError(
                    f"Route '{template}': only optional segments may follow the optional "
                    f"parameter '{parameter.name}'."
                )


def _constraint(text: str, template: str) -> Constraint:
    found = re.fullmatch(r"(?P<name>[A-Za-z]+)(?:\((?P<args>.*)\))?", text, re.DOTALL)
    if found is None:
        raise RouteTemplateError(f"Route '{template}' has an invalid constraint '{text}'.")
    name = found["name"].lower()
    args = found["args"]
    try:
        check = _constraint_check(name, args)
    except (ValueError, re.error) as error:
        raise RouteTemplateError(
            f"Route '{template}' has an invalid constraint '{text}': {error}"
        ) from error
    if check is None:
        raise RouteTemplateError(f"Route '{template}' has an unknown constraint '{text}'.")
    return Constraint(text=text, check=check)


def _constraint_check(name: str, args: str | None) -> Callable[[str], bool] | None:
    if name == "regex":
        if args is None:
            raise ValueError("regex needs a pattern")
        # Braces are doubled inside a template ({{2}}) so they are not read as parameters.
        pattern = re.compile(args.replace("{{", "{").replace("}}", "}"), re.IGNORECASE)
        return lambda value: pattern.search(value) is not None
    simple: dict[str, Callable[[str], bool]] = {
        "int": lambda value: _integer_within(value, 32),
        "long": lambda value: _integer_within(value, 64),
        "bool": lambda value: value.lower() in ("true", "false"),
        "guid": _is_guid,
        "alpha": lambda value: re.fullmatch(r"[A-Za-z]+", value) is not None,
        "double": _is_finite_number,
        "float": _is_finite_number,
        "decimal": _is_finite_number,
        "datetime": _is_datetime,
        "required": lambda value: value != "",
    }
    if name in simple:
        if args is not None:
            raise ValueError(f"{name} takes no arguments")
        return simple[name]
    numbers = [int(arg.strip()) for arg in args.split(",")] if args is not None else []
    if name == "minlength" and len(numbers) == 1:
        return lambda value: len(value) >= numbers[0]
    if name == "maxlength" and len(numbers) == 1:
        return lambda value: len(value) <= numbers[0]
    if name == "length" and len(numbers) in (1, 2):
        low, high = numbers[0], numbers[-1]
        return lambda value: low <= len(value) <= high
    if name == "min" and len(numbers) == 1:
        return lambda value: _integer_within(value, 64) and int(value) >= numbers[0]
    if name == "max" and len(numbers) == 1:
        return lambda value: _integer_within(value, 64) and int(value) <= numbers[0]
    if name == "range" and len(numbers) == 2:
        return lambda value: _integer_within(value, 64) and numbers[0] <= int(value) <= numbers[1]
    if name in ("minlength", "maxlength", "length", "min", "max", "range"):
        raise ValueError(f"wrong number of arguments for {name}")
    return None


def _integer_within(value: str, bits: int) -> bool:
    if re.fullmatch(r"[+-]?\d+", value) is None:
        return False
    limit = 1 << (bits - 1)
    return -limit <= int(value) < limit


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_finite_number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
