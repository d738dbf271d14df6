"""The bindings of a function.json: parsed, checked, with app-setting references resolved.

The local host supports what this app uses and nothing more: one trigger - HTTP (anonymous),
a Service Bus queue (the body as bytes) or a timer (NCRONTAB) - plus the HTTP output binding
``$return``. Any other binding type or property fails at startup, naming the function and what
is not supported, rather than being ignored where the real host would honour it.
``%Name%`` in a binding property is replaced by the app setting ``Name``, as the host does.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from croniter import croniter

from local_host.errors import StartupError
from shared.api.route_template import RouteTemplate, RouteTemplateError

RETURN_BINDING = "$return"
HTTP_TRIGGER = "httpTrigger"
SERVICE_BUS_TRIGGER = "serviceBusTrigger"
TIMER_TRIGGER = "timerTrigger"
HTTP_OUTPUT = "http"

# The properties of each binding type that the app uses, besides type, direction and name.
_PROPERTIES: dict[str, frozenset[str]] = {
    HTTP_TRIGGER: frozenset({"authLevel", "methods", "route"}),
    SERVICE_BUS_TRIGGER: frozenset({"queueName", "connection", "dataType"}),
    TIMER_TRIGGER: frozenset({"schedule"}),
    HTTP_OUTPUT: frozenset(),
}
_SETTING_REFERENCE = re.compile(r"%([^%\s]+)%")
_BINDING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Builds the error for a problem found in one function's function.json.
Fail = Callable[[str], StartupError]


@dataclass(frozen=True)
class HttpTrigger:
    type: ClassVar[str] = HTTP_TRIGGER
    binding_name: str
    # The route template relative to the host's route prefix.
    route: str
    # Upper-case method names in declaration order; empty means every method.
    methods: tuple[str, ...]


@dataclass(frozen=True)
class ServiceBusTrigger:
    type: ClassVar[str] = SERVICE_BUS_TRIGGER
    binding_name: str
    queue_name: str
    connection: str | None


@dataclass(frozen=True)
class TimerTrigger:
    type: ClassVar[str] = TIMER_TRIGGER
    binding_name: str
    # Six-field NCRONTAB, seconds first.
    schedule: str


Trigger = HttpTrigger | ServiceBusTrigger | TimerTrigger


def resolve_setting_references(text: str, settings: Mapping[str, str], where: str) -> str:
    """Replace each ``%Name%`` by the app setting ``Name``; a missing one is a StartupError."""

    def replace(found: re.Match[str]) -> str:
        value = settings.get(found[1])
        if not value:
            raise StartupError(f"{where} refers to the app setting '{found[1]}', which is not set.")
        return value

    return _SETTING_REFERENCE.sub(replace, text)


class Binding(NamedTuple):
    """One entry of a function.json ``bindings`` list, with app-setting references resolved."""

    type: str
    direction: str
    name: str
    properties: dict[str, Any]

    @property
    def is_trigger(self) -> bool:
        return self.type.lower().endswith("trigger")


def parse_trigger(
    function: str, raw_bindings: Any, settings: Mapping[str, str], fail: Fail
) -> Trigger:
    """The function's trigger, after checking every binding of its function.json."""
    if not isinstance(raw_bindings, list) or not raw_bindings:
        raise fail("'bindings' must be a non-empty list.")
    bindings = [_parse_binding(raw, settings, fail) for raw in raw_bindings]
    names = [binding.name for binding in bindings]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise fail(f"binding name(s) {', '.join(duplicates)} used more than once.")
    triggers = [binding for binding in bindings if binding.is_trigger]
    if len(triggers) != 1:
        raise fail(f"a function needs exactly one trigger binding, found {len(triggers)}.")
    for binding in bindings:
        if binding.type not in _PROPERTIES:
            raise fail(
                f"binding '{binding.name}' of type '{binding.type}' is not supported by the local "
                f"host, which supports the triggers {HTTP_TRIGGER}, {SERVICE_BUS_TRIGGER} and "
                f"{TIMER_TRIGGER} and the http output (the app's ports in shared/ do the rest)."
            )
        expected = "out" if binding.type == HTTP_OUTPUT else "in"
        if binding.direction != expected:
            raise fail(
                f"binding '{binding.name}' ({binding.type}) must have direction '{expected}'."
            )
        if binding.type == HTTP_OUTPUT and binding.name != RETURN_BINDING:
            raise fail(
                f"the http output binding '{binding.name}' must be named '$return' "
                "(return the func.HttpResponse); func.Out parameters are not supported."
            )
    _, _, name, props = triggers[0]
    if triggers[0].type == HTTP_TRIGGER:
        return _http_trigger(function, name, props, fail)
    if triggers[0].type == SERVICE_BUS_TRIGGER:
        queue_name, connection = props.get("queueName"), props.get("connection")
        if not isinstance(queue_name, str) or not queue_name:
            raise fail(f"the serviceBusTrigger '{name}' needs a 'queueName'.")
        if connection is not None and not isinstance(connection, str):
            raise fail(f"the serviceBusTrigger '{name}' has a non-string 'connection'.")
        if props.get("dataType") != "binary":
            raise fail(
                f'the serviceBusTrigger \'{name}\' must have "dataType": "binary" (the body '
                "as bytes); the local host does not support the body bound as a string."
            )
        return ServiceBusTrigger(binding_name=name, queue_name=queue_name, connection=connection)
    schedule = props.get("schedule")
    if not isinstance(schedule, str) or not schedule:
        raise fail(f"the timerTrigger '{name}' needs a 'schedule'.")
    if len(schedule.split()) != 6 or not croniter.is_valid(schedule, second_at_beginning=True):
        raise fail(
            f"the schedule '{schedule}' is not a valid six-field NCRONTAB expression '{{second}} "
            "{minute} {hour} {day} {month} {day-of-week}' (TimeSpan schedules are not supported)."
        )
    return TimerTrigger(binding_name=name, schedule=schedule.strip())


def _parse_binding(raw: Any, settings: Mapping[str, str], fail: Fail) -> Binding:
    if not isinstance(raw, dict):
        raise fail("each binding must be a JSON object.")
    binding_type, direction, name = raw.get("type"), raw.get("direction"), raw.get("name")
    if not isinstance(binding_type, str) or not binding_type:
        raise fail("a binding has no 'type'.")
    if not isinstance(name, str) or not (name == RETURN_BINDING or _BINDING_NAME.match(name)):
        raise fail(f"the {binding_type} binding has an invalid 'name' {name!r}.")
    if direction not in ("in", "out"):
        raise fail(f"binding '{name}' has 'direction' {direction!r}; expected in or out.")
    others = {key: value for key, value in raw.items() if key not in ("type", "direction", "name")}
    # A binding type the host does not support at all is refused whole, by the caller.
    unsupported = sorted(set(others) - _PROPERTIES.get(binding_type, frozenset(others)))
    if unsupported:
        raise fail(
            f"binding '{name}' ({binding_type}): the local host does not support "
            f"{', '.join(repr(key) for key in unsupported)} (this app uses none)."
        )
    properties = {
        key: _resolve_value(value, settings, f"binding '{name}' property '{key}'", fail)
        for key, value in others.items()
    }
    return Binding(binding_type, direction, name, properties)


def _resolve_value(value: Any, settings: Mapping[str, str], where: str, fail: Fail) -> Any:
    if isinstance(value, str):
        try:
            return resolve_setting_references(value, settings, where)
        except StartupError as error:
            raise fail(str(error)) from None
    if isinstance(value, list):
        return [_resolve_value(item, settings, where, fail) for item in value]
    return value


def _http_trigger(function: str, name: str, props: Mapping[str, Any], fail: Fail) -> HttpTrigger:
    methods = props.get("methods") or []
    if not isinstance(methods, list) or not all(isinstance(m, str) and m for m in methods):
        raise fail("'methods' must be a list of HTTP method names.")
    # Function keys (authLevel function or admin) are not imitated: the app's routes are all
    # anonymous, and a keyed route served here without its key check would differ from Azure.
    auth_level = props.get("authLevel", "function")
    if not isinstance(auth_level, str) or auth_level.lower() != "anonymous":
        raise fail(
            f"'authLevel' {auth_level!r} is not supported by the local host, which serves only "
            "anonymous routes (it does not imitate function keys)."
        )
    # Without a route, the Functions host serves the function at its own name.
    route = props.get("route") or function
    if not isinstance(route, str):
        raise fail("'route' must be a string.")
    # Parsed now: a template this host cannot serve as the real host does stops it at start.
    try:
        template = RouteTemplate.parse(route)
    except RouteTemplateError as error:
        raise fail(str(error)) from None
    return HttpTrigger(
        binding_name=name,
        route=template.text,
        methods=tuple(dict.fromkeys(method.upper() for method in methods)),
    )
