"""The bindings of a function.json: parsed, checked, with app-setting references resolved.

The local host supports the triggers this app uses - HTTP, Service Bus queues and timers -
plus the HTTP output binding (``$return``); anything else fails at startup, naming the function.
``%Name%`` in a binding property is replaced by the app setting ``Name``, as the host does.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from local_host.errors import StartupError
from local_host.routing import RouteTemplate, RouteTemplateError
from local_host.timer_schedule import ScheduleError, parse_schedule

RETURN_BINDING = "$return"
HTTP_TRIGGER = "httpTrigger"
SERVICE_BUS_TRIGGER = "serviceBusTrigger"
TIMER_TRIGGER = "timerTrigger"
HTTP_OUTPUT = "http"

_SETTING_REFERENCE = re.compile(r"%([^%\s]+)%")
_BINDING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DIRECTIONS = ("in", "out", "inout")
_AUTH_LEVELS = ("anonymous", "function", "admin")

# Builds the error for a problem found in one function's function.json.
Fail = Callable[[str], StartupError]


@dataclass(frozen=True)
class Binding:
    """One entry of a function.json ``bindings`` list, with app-setting references resolved."""

    type: str
    direction: str
    name: str
    properties: Mapping[str, Any]

    @property
    def is_trigger(self) -> bool:
        return self.type.lower().endswith("trigger")


@dataclass(frozen=True)
class HttpTrigger:
    type: ClassVar[str] = HTTP_TRIGGER
    binding_name: str
    # The route template relative to the host's route prefix.
    route: str
    # Upper-case method names in declaration order; empty means every method.
    methods: tuple[str, ...]
    auth_level: str


@dataclass(frozen=True)
class ServiceBusTrigger:
    type: ClassVar[str] = SERVICE_BUS_TRIGGER
    binding_name: str
    queue_name: str
    connection: str | None
    # function.json "dataType": "binary" has the host pass the body as bytes, else as a string.
    data_type: str | None = None


@dataclass(frozen=True)
class TimerTrigger:
    type: ClassVar[str] = TIMER_TRIGGER
    binding_name: str
    # Six-field NCRONTAB (seconds first) or a TimeSpan such as 00:05:00.
    schedule: str
    run_on_startup: bool


Trigger = HttpTrigger | ServiceBusTrigger | TimerTrigger


def resolve_setting_references(text: str, settings: Mapping[str, str], where: str) -> str:
    """Replace each ``%Name%`` by the app setting ``Name``; a missing one is a StartupError."""

    def replace(found: re.Match[str]) -> str:
        value = settings.get(found[1])
        if not value:
            raise StartupError(f"{where} refers to the app setting '{found[1]}', which is not set.")
        return value

    return _SETTING_REFERENCE.sub(replace, text)


def parse_binding(raw: Any, settings: Mapping[str, str], fail: Fail) -> Binding:
    if not isinstance(raw, dict):
        raise fail("each binding must be a JSON object.")
    binding_type, direction, name = raw.get("type"), raw.get("direction"), raw.get("name")
    if not isinstance(binding_type, str) or not binding_type:
        raise fail("a binding has no 'type'.")
    if not isinstance(name, str) or not (name == RETURN_BINDING or _BINDING_NAME.match(name)):
        raise fail(f"the {binding_type} binding has an invalid 'name' {name!r}.")
    if direction not in _DIRECTIONS:
        raise fail(f"binding '{name}' has 'direction' {direction!r}; expected in or out.")
    properties = {
        key: _resolve_value(value, settings, f"binding '{name}' property '{key}'", fail)
        for key, value in raw.items()
    }
    return Binding(type=binding_type, direction=str(direction), name=name, properties=properties)


def _resolve_value(value: Any, settings: Mapping[str, str], where: str, fail: Fail) -> Any:
    if isinstance(value, str):
        try:
            return resolve_setting_references(value, settings, where)
        except StartupError as error:
            raise fail(str(error)) from None
    if isinstance(value, list):
        return [_resolve_value(item, settings, where, fail) for item in value]
    return value


def parse_trigger(name: str, binding: Binding, fail: Fail) -> Trigger:
    props = binding.properties
    if binding.direction != "in":
        raise fail(f"trigger binding '{binding.name}' must have direction 'in'.")
    if binding.type == HTTP_TRIGGER:
        return _parse_http_trigger(name, binding, fail)
    if binding.type == SERVICE_BUS_TRIGGER:
        queue_name = props.get("queueName")
        if "topicName" in props or "subscriptionName" in props:
            raise fail("Service Bus topics are not supported by the local host; use a queue.")
        if not isinstance(queue_name, str) or not queue_name:
            raise fail(f"the serviceBusTrigger '{binding.name}' needs a 'queueName'.")
        connection = props.get("connection")
        if connection is not None and not isinstance(connection, str):
            raise fail(f"the serviceBusTrigger '{binding.name}' has a non-string 'connection'.")
        data_type = props.get("dataType")
        if data_type not in (None, "binary", "string"):
            raise fail(
                f"the serviceBusTrigger '{binding.name}' has 'dataType' {data_type!r}; "
                "expected binary or string."
            )
        return ServiceBusTrigger(
            binding_name=binding.name,
            queue_name=queue_name,
            connection=connection,
            data_type=data_type,
        )
    if binding.type == TIMER_TRIGGER:
        schedule = props.get("schedule")
        if not isinstance(schedule, str) or not schedule:
            raise fail(f"the timerTrigger '{binding.name}' needs a 'schedule'.")
        try:
            parse_schedule(schedule)
        except ScheduleError as error:
            raise fail(str(error)) from None
        run_on_startup = props.get("runOnStartup", False)
        if not isinstance(run_on_startup, bool):
            raise fail("'runOnStartup' must be true or false.")
        return TimerTrigger(
            binding_name=binding.name, schedule=schedule, run_on_startup=run_on_startup
        )
    raise fail(
        f"the trigger type '{binding.type}' is not supported by the local host "
        f"(supported: {HTTP_TRIGGER}, {SERVICE_BUS_TRIGGER}, {TIMER_TRIGGER})."
    )


def _parse_http_trigger(name: str, binding: Binding, fail: Fail) -> HttpTrigger:
    props = binding.properties
    methods = props.get("methods") or []
    if not isinstance(methods, list) or not all(isinstance(m, str) and m for m in methods):
        raise fail("'methods' must be a list of HTTP method names.")
    auth_level = props.get("authLevel", "function")
    if not isinstance(auth_level, str) or auth_level.lower() not in _AUTH_LEVELS:
        raise fail(f"'authLevel' must be one of {', '.join(_AUTH_LEVELS)}.")
    # Without a route, the Functions host serves the function at its own name.
    route = props.get("route") or name
    if not isinstance(route, str):
        raise fail("'route' must be a string.")
    # Parsed now: a template this host cannot serve as the real host does stops it at start.
    try:
        template = RouteTemplate.parse(route)
    except RouteTemplateError as error:
        raise fail(str(error)) from None
    return HttpTrigger(
        binding_name=binding.name,
        route=template.text,
        methods=tuple(dict.fromkeys(method.upper() for method in methods)),
        auth_level=auth_level.lower(),
    )
