"""HTTP route templates as this app writes them in function.json, and how a path matches one.

The one reading of a route template for the app's catch-all function (shared/api/routes.py) and
for the local host's router (local_host/routing.py), so the two cannot disagree on a path.

Supported: literal segments (matched ignoring ASCII case, see ``_ascii_lower``), whole-segment
parameters ``{name}`` and a catch-all ``{*name}`` as the last segment. The real host accepts the
whole ASP.NET Core template syntax (constraints such as ``{id:int}``, optional ``{id?}`` and
default ``{page=1}`` parameters, segments mixing literals and parameters like ``{file}.{ext}``);
the app uses none of it, and a template using it is refused (RouteTemplateError) rather than
matched by half a rule.

Paths are matched as the host's server hands them to routing: percent-decoded except for an
encoded slash. Kestrel's UrlDecoder leaves ``%2F`` as it is, since decoding it would change which
route a path matches (dotnet/aspnetcore issue 17864: "this is the intended behavior"), so a
route value holds ``%2F`` as the three characters the client sent.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

_PARAMETER = re.compile(r"\{(?P<catch_all>\*?)(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}")
_TEMPLATE_SYNTAX = frozenset("{}?")
_ENCODED_SLASH = re.compile("(%2[Ff])")

# ASP.NET compares literals with OrdinalIgnoreCase, which never pairs a non-ASCII character with
# an ASCII one. str.lower() would: the Kelvin sign (U+212A) lowers to "k" and the dotted capital
# I (U+0130) to "i", so "kelvin" would also answer "\u212aelvin". Only A-Z fold here. The price: a
# non-ASCII letter in a literal matches only itself, where ASP.NET would also pair "é" with "É";
# such literals are rare in routes, and a 404 is the safe way to differ.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


class RouteTemplateError(ValueError):
    """A route template this app's matcher cannot serve as the real host would; says why."""


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

    @property
    def has_catch_all(self) -> bool:
        return bool(self.segments) and self.segments[-1].catch_all

    def match(self, path: Sequence[str]) -> dict[str, str] | None:
        """Route values for the path's segments (split_path), or None when it does not match."""
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
            elif ascii_lower(path[index]) != ascii_lower(segment.text):
                return None
        return values if len(path) == len(self.segments) else None


def decode_path(raw_path: str) -> str:
    """A raw (percent-encoded) URL path decoded as the host's server does: all but ``%2F``."""
    if "%" not in raw_path:
        return raw_path
    pieces = _ENCODED_SLASH.split(raw_path)
    # re.split with a group: the encoded slashes sit at the odd indexes and stay as sent.
    return "".join(piece if index % 2 else unquote(piece) for index, piece in enumerate(pieces))


def split_path(decoded_path: str) -> list[str]:
    """The segments of a decoded path; leading and trailing slashes are ignored."""
    trimmed = decoded_path.strip("/")
    return trimmed.split("/") if trimmed else []


def _parse_segment(raw: str, template: str) -> Segment:
    if not raw:
        raise RouteTemplateError(f"Route '{template}' has an empty segment ('//').")
    if not _TEMPLATE_SYNTAX.intersection(raw):
        return Segment(text=raw)
    found = _PARAMETER.fullmatch(raw)
    if found is None:
        raise RouteTemplateError(
            f"Route '{template}': the segment '{raw}' is not supported, as only literal "
            "segments, {name} and a final {*name} are (no constraints, optional or default "
            "values, or segments mixing literals and parameters)."
        )
    return Segment(text=raw, name=found["name"], catch_all=found["catch_all"] == "*")
