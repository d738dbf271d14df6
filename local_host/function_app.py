"""Discovery of a folder-per-function app: function.json files, their bindings, entry points.

Mirrors what the Functions host and the Python worker check at startup, so that a mistake in a
function.json fails here, naming the function, rather than on the first request:

* every ``<Folder>/function.json`` directly under the app directory is one function, named
  after its folder;
* ``%Name%`` in a binding property is replaced by the app setting ``Name``;
* the script is imported as a package named after the folder (the app directory goes on
  ``sys.path``), and the entry point's parameters must match the binding names.
"""

import importlib
import inspect
import json
import re
import sys
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions.timer import TimerRequest as ConcreteTimerRequest

from local_host.errors import StartupError
from local_host.host_config import HostConfig, read_host_config
from local_host.routing import RouteTemplate, RouteTemplateError
from local_host.timer_schedule import ScheduleError, parse_schedule

FUNCTION_JSON = "function.json"
DEFAULT_SCRIPT_FILE = "__init__.py"
DEFAULT_ENTRY_POINT = "main"
RETURN_BINDING = "$return"
# The Python worker passes the invocation context to a parameter of this name, if declared.
CONTEXT_PARAMETER = "context"

HTTP_TRIGGER = "httpTrigger"
SERVICE_BUS_TRIGGER = "serviceBusTrigger"
TIMER_TRIGGER = "timerTrigger"
HTTP_OUTPUT = "http"

_SETTING_REFERENCE = re.compile(r"%([^%\s]+)%")
_BINDING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DIRECTIONS = ("in", "out", "inout")
_AUTH_LEVELS = ("anonymous", "function", "admin")


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
    binding_name: str
    # The route template relative to the host's route prefix.
    route: str
    # Upper-case method names in declaration order; empty means every method.
    methods: tuple[str, ...]
    auth_level: str
    template: RouteTemplate


@dataclass(frozen=True)
class ServiceBusTrigger:
    binding_name: str
    queue_name: str
    connection: str | None


@dataclass(frozen=True)
class TimerTrigger:
    binding_name: str
    # Six-field NCRONTAB (seconds first) or a TimeSpan such as 00:05:00.
    schedule: str
    run_on_startup: bool


Trigger = HttpTrigger | ServiceBusTrigger | TimerTrigger


@dataclass(frozen=True)
class FunctionDefinition:
    """A function as declared by its folder's function.json."""

    name: str
    directory: Path
    script_file: Path
    entry_point: str
    bindings: tuple[Binding, ...]
    trigger: Trigger
    disabled: bool

    @property
    def trigger_type(self) -> str:
        if isinstance(self.trigger, HttpTrigger):
            return HTTP_TRIGGER
        if isinstance(self.trigger, ServiceBusTrigger):
            return SERVICE_BUS_TRIGGER
        return TIMER_TRIGGER

    @property
    def parameter_names(self) -> frozenset[str]:
        """Binding names that must appear as parameters of the entry point."""
        return frozenset(b.name for b in self.bindings if b.name != RETURN_BINDING)


@dataclass(frozen=True)
class LoadedFunction:
    """A function whose script is imported and whose entry point matches its bindings."""

    definition: FunctionDefinition
    entry: Callable[..., Any]
    is_async: bool
    takes_context: bool

    @property
    def name(self) -> str:
        return self.definition.name


@dataclass(frozen=True)
class FunctionApp:
    app_dir: Path
    host: HostConfig
    functions: tuple[LoadedFunction, ...]
    disabled: tuple[str, ...]


def function_folders(app_dir: Path) -> list[Path]:
    """Folders directly under the app directory that hold a function.json, by name."""
    return sorted(
        (path.parent for path in app_dir.glob(f"*/{FUNCTION_JSON}") if path.is_file()),
        key=lambda folder: folder.name,
    )


def read_function_json(folder: Path) -> dict[str, Any]:
    """The parsed function.json of a folder (strict JSON, as the host reads it)."""
    path = folder / FUNCTION_JSON
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise StartupError(f"Function '{folder.name}': cannot read {path}: {error}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise StartupError(
            f"Function '{folder.name}': {path} is not valid JSON: {error}"
        ) from error
    if not isinstance(document, dict):
        raise StartupError(f"Function '{folder.name}': {path} must hold a JSON object.")
    return document


def is_disabled(name: str, document: Mapping[str, Any], settings: Mapping[str, str]) -> bool:
    """``disabled`` in function.json, or the ``AzureWebJobs.<name>.Disabled`` app setting."""
    if document.get("disabled") is True:
        return True
    for setting in (f"AzureWebJobs.{name}.Disabled", f"AzureWebJobs_{name}_Disabled"):
        if settings.get(setting, "").strip().lower() in ("true", "1"):
            return True
    return False


def read_function_definition(folder: Path, settings: Mapping[str, str]) -> FunctionDefinition:
    """Parse and check one function folder's function.json, without importing its script."""
    name = folder.name
    document = read_function_json(folder)

    def fail(message: str) -> StartupError:
        return StartupError(f"Function '{name}' ({folder / FUNCTION_JSON}): {message}")

    script_text = document.get("scriptFile", DEFAULT_SCRIPT_FILE)
    entry_point = document.get("entryPoint", DEFAULT_ENTRY_POINT)
    if not isinstance(script_text, str) or not script_text:
        raise fail("'scriptFile' must be a file name.")
    if not isinstance(entry_point, str) or not entry_point.isidentifier():
        raise fail("'entryPoint' must be the name of a function in the script.")
    script_file = (folder / script_text).resolve()
    if not script_file.is_relative_to(folder.resolve()) or script_file.suffix != ".py":
        raise fail(f"'scriptFile' {script_text!r} must be a .py file inside the function folder.")
    if not script_file.is_file():
        raise fail(f"the script file {script_file} does not exist.")
    disabled = document.get("disabled", False)
    if not isinstance(disabled, bool):
        raise fail("'disabled' must be true or false.")

    raw_bindings = document.get("bindings")
    if not isinstance(raw_bindings, list) or not raw_bindings:
        raise fail("'bindings' must be a non-empty list.")
    bindings = tuple(_parse_binding(raw, settings, fail) for raw in raw_bindings)
    names = [binding.name for binding in bindings]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise fail(f"binding name(s) {', '.join(duplicates)} used more than once.")

    triggers = [binding for binding in bindings if binding.is_trigger]
    if len(triggers) != 1:
        raise fail(f"a function needs exactly one trigger binding, found {len(triggers)}.")
    for binding in bindings:
        if binding.is_trigger:
            continue
        if binding.type == HTTP_OUTPUT and binding.direction == "out":
            if binding.name != RETURN_BINDING:
                raise fail(
                    f"the http output binding '{binding.name}' must be named '$return' "
                    "(return the func.HttpResponse); func.Out parameters are not supported."
                )
            continue
        raise fail(
            f"binding '{binding.name}' of type '{binding.type}' ({binding.direction}) is not "
            "supported by the local host; use the app's ports (shared/) instead of bindings."
        )
    return FunctionDefinition(
        name=name,
        directory=folder,
        script_file=script_file,
        entry_point=entry_point,
        bindings=bindings,
        trigger=_parse_trigger(name, triggers[0], fail),
        disabled=disabled,
    )


def resolve_setting_references(text: str, settings: Mapping[str, str], where: str) -> str:
    """Replace each ``%Name%`` by the app setting ``Name``; a missing one is a StartupError."""

    def replace(found: re.Match[str]) -> str:
        value = settings.get(found[1])
        if not value:
            raise StartupError(f"{where} refers to the app setting '{found[1]}', which is not set.")
        return value

    return _SETTING_REFERENCE.sub(replace, text)


def load_function(definition: FunctionDefinition, app_dir: Path) -> LoadedFunction:
    """Import the function's script and check its entry point against the bindings."""
    module = _import_script(definition, app_dir)
    entry = getattr(module, definition.entry_point, None)
    if entry is None or not callable(entry):
        raise StartupError(
            f"Function '{definition.name}': {definition.script_file} has no function "
            f"'{definition.entry_point}' (the entry point)."
        )
    takes_context = _check_parameters(definition, entry)
    return LoadedFunction(
        definition=definition,
        entry=entry,
        is_async=inspect.iscoroutinefunction(entry),
        takes_context=takes_context,
    )


def discover_function_app(app_dir: Path, settings: Mapping[str, str]) -> FunctionApp:
    """Read host.json and every function folder, and load the enabled functions."""
    app_dir = app_dir.resolve()
    host = read_host_config(app_dir)
    functions: list[LoadedFunction] = []
    disabled: list[str] = []
    for folder in function_folders(app_dir):
        # The host skips a disabled function before looking further into it.
        if is_disabled(folder.name, read_function_json(folder), settings):
            disabled.append(folder.name)
            continue
        definition = read_function_definition(folder, settings)
        functions.append(load_function(definition, app_dir))
    return FunctionApp(
        app_dir=app_dir, host=host, functions=tuple(functions), disabled=tuple(disabled)
    )


def _parse_binding(
    raw: Any, settings: Mapping[str, str], fail: Callable[[str], StartupError]
) -> Binding:
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


def _resolve_value(
    value: Any, settings: Mapping[str, str], where: str, fail: Callable[[str], StartupError]
) -> Any:
    if isinstance(value, str):
        try:
            return resolve_setting_references(value, settings, where)
        except StartupError as error:
            raise fail(str(error)) from None
    if isinstance(value, list):
        return [_resolve_value(item, settings, where, fail) for item in value]
    return value


def _parse_trigger(name: str, binding: Binding, fail: Callable[[str], StartupError]) -> Trigger:
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
        return ServiceBusTrigger(
            binding_name=binding.name, queue_name=queue_name, connection=connection
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


def _parse_http_trigger(
    name: str, binding: Binding, fail: Callable[[str], StartupError]
) -> HttpTrigger:
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
    try:
        template = RouteTemplate.parse(route)
    except RouteTemplateError as error:
        raise fail(str(error)) from None
    return HttpTrigger(
        binding_name=binding.name,
        route=template.text,
        methods=tuple(dict.fromkeys(method.upper() for method in methods)),
        auth_level=auth_level.lower(),
        template=template,
    )


def _import_script(definition: FunctionDefinition, app_dir: Path) -> Any:
    app_dir_text = str(app_dir.resolve())
    if app_dir_text not in sys.path:
        sys.path.insert(0, app_dir_text)
    relative = definition.script_file.relative_to(definition.directory.resolve())
    parts = [definition.directory.name, *relative.with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    module_name = ".".join(parts)
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise StartupError(
            f"Function '{definition.name}': importing {definition.script_file} failed: "
            f"{type(error).__name__}: {error}"
        ) from error
    loaded_from = getattr(module, "__file__", None)
    if loaded_from is None or Path(loaded_from).resolve() != definition.script_file:
        # Function folders are top-level packages; one of that name was imported from elsewhere.
        raise StartupError(
            f"Function '{definition.name}': the module '{module_name}' was already imported from "
            f"{loaded_from}, not from {definition.script_file}; rename the folder."
        )
    return module


def _expected_types(definition: FunctionDefinition) -> dict[str, type]:
    """What the host passes to each binding parameter, for annotation checks."""
    trigger_type: type = {
        HTTP_TRIGGER: func.HttpRequest,
        SERVICE_BUS_TRIGGER: func.ServiceBusMessage,
        TIMER_TRIGGER: ConcreteTimerRequest,
    }[definition.trigger_type]
    return {definition.trigger.binding_name: trigger_type}


def _check_parameters(definition: FunctionDefinition, entry: Callable[..., Any]) -> bool:
    """Check the entry point's parameters against the bindings; True if it takes a context."""
    try:
        signature = inspect.signature(entry)
    except (TypeError, ValueError) as error:
        raise StartupError(
            f"Function '{definition.name}': cannot inspect '{definition.entry_point}': {error}"
        ) from error
    variadic = [
        p.name
        for p in signature.parameters.values()
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    if variadic:
        raise StartupError(
            f"Function '{definition.name}': '{definition.entry_point}' must not take *args or "
            f"**kwargs ({', '.join(variadic)}); declare one parameter per binding."
        )
    bindings = definition.parameter_names
    parameters = set(signature.parameters)
    takes_context = CONTEXT_PARAMETER in parameters and CONTEXT_PARAMETER not in bindings
    if takes_context:
        parameters.discard(CONTEXT_PARAMETER)
    problems = []
    if parameters - bindings:
        problems.append(
            "parameters declared in Python but not in function.json: "
            + ", ".join(sorted(parameters - bindings))
        )
    if bindings - parameters:
        problems.append(
            "bindings declared in function.json but not in Python: "
            + ", ".join(sorted(bindings - parameters))
        )
    if problems:
        raise StartupError(
            f"Function '{definition.name}': the parameters of '{definition.entry_point}' do not "
            f"match the bindings - {'; '.join(problems)}."
        )
    _check_annotations(definition, entry, signature)
    return takes_context


def _check_annotations(
    definition: FunctionDefinition, entry: Callable[..., Any], signature: inspect.Signature
) -> None:
    try:
        hints = typing.get_type_hints(entry)
    except Exception:
        # Unresolvable string annotations: the Python worker would complain, but the values
        # passed in are right either way, so leave it to the type checker.
        hints = {}
    for name, passed_type in _expected_types(definition).items():
        annotation = hints.get(name, signature.parameters[name].annotation)
        if not isinstance(annotation, type) or annotation is inspect.Parameter.empty:
            continue
        # Either direction: the annotation may name the abstract type or the concrete one.
        if not (issubclass(passed_type, annotation) or issubclass(annotation, passed_type)):
            raise StartupError(
                f"Function '{definition.name}': parameter '{name}' is annotated "
                f"{annotation.__qualname__}, but the {definition.trigger_type} binding "
                f"passes a {passed_type.__module__}.{passed_type.__qualname__}."
            )
