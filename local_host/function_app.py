"""Discovery of a folder-per-function app: function.json files, their bindings, entry points.

Mirrors what the Functions host and the Python worker check at startup, so that a mistake in a
function.json fails here, naming the function, rather than on the first request:

* every ``<Folder>/function.json`` directly under the app directory is one function, named
  after its folder, whose bindings are parsed by ``local_host.bindings``;
* the folder is imported as a package (the app directory goes on ``sys.path``), and its
  ``main``'s parameters must match the binding names.

As in this app, the script is the folder's ``__init__.py`` and the entry point ``main``:
``entryPoint``, another ``scriptFile`` or any other function.json property is refused at start.
"""

import importlib
import inspect
import sys
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions.timer import TimerRequest as ConcreteTimerRequest

from local_host.bindings import (
    HTTP_TRIGGER,
    SERVICE_BUS_TRIGGER,
    TIMER_TRIGGER,
    Trigger,
    parse_trigger,
)
from local_host.errors import StartupError, read_json_object
from local_host.host_config import HostConfig, read_host_config

FUNCTION_JSON = "function.json"
SCRIPT_FILE = "__init__.py"
ENTRY_POINT = "main"
# The function.json properties the app uses.
_PROPERTIES = frozenset({"scriptFile", "bindings"})
# What the worker passes the trigger's parameter, for the check of its annotation.
PASSED_TYPES: dict[str, type] = {
    HTTP_TRIGGER: func.HttpRequest,
    SERVICE_BUS_TRIGGER: func.ServiceBusMessage,
    TIMER_TRIGGER: ConcreteTimerRequest,
}


@dataclass(frozen=True)
class FunctionDefinition:
    """A function as declared by its folder's function.json."""

    name: str
    directory: Path
    trigger: Trigger

    @property
    def trigger_type(self) -> str:
        return self.trigger.type


@dataclass(frozen=True)
class LoadedFunction:
    """A function whose script is imported and whose entry point matches its bindings."""

    definition: FunctionDefinition
    entry: Callable[..., Any]
    is_async: bool

    @property
    def name(self) -> str:
        return self.definition.name


@dataclass(frozen=True)
class FunctionApp:
    host: HostConfig
    functions: tuple[LoadedFunction, ...]
    disabled: tuple[str, ...]


def function_folders(app_dir: Path) -> list[Path]:
    """Folders directly under the app directory that hold a function.json, by name."""
    return sorted(
        (path.parent for path in app_dir.glob(f"*/{FUNCTION_JSON}") if path.is_file()),
        key=lambda folder: folder.name,
    )


def is_disabled(name: str, settings: Mapping[str, str]) -> bool:
    """The ``AzureWebJobs.<name>.Disabled`` app setting (``_`` for ``.`` in the environment)."""
    settings_named = (f"AzureWebJobs.{name}.Disabled", f"AzureWebJobs_{name}_Disabled")
    return any(settings.get(s, "").strip().lower() in ("true", "1") for s in settings_named)


def read_function_definition(folder: Path, settings: Mapping[str, str]) -> FunctionDefinition:
    """Parse and check one function folder's function.json, without importing its script."""
    name = folder.name
    try:  # strict JSON, as the host reads it
        document = read_json_object(folder / FUNCTION_JSON)
    except StartupError as error:
        raise StartupError(f"Function '{name}': {error}") from error

    def fail(message: str) -> StartupError:
        return StartupError(f"Function '{name}' ({folder / FUNCTION_JSON}): {message}")

    unsupported = sorted(set(document) - _PROPERTIES)
    if unsupported:
        raise fail(
            f"the local host does not support {', '.join(repr(key) for key in unsupported)} "
            f"in function.json (the app's script is {SCRIPT_FILE}, its entry point {ENTRY_POINT})."
        )
    if document.get("scriptFile", SCRIPT_FILE) != SCRIPT_FILE:
        raise fail(f"'scriptFile' must be {SCRIPT_FILE}, the only script the local host runs.")
    if not (folder / SCRIPT_FILE).is_file():
        raise fail(f"the script file {folder / SCRIPT_FILE} does not exist.")
    trigger = parse_trigger(name, document.get("bindings"), settings, fail)
    return FunctionDefinition(name=name, directory=folder, trigger=trigger)


def load_function(definition: FunctionDefinition, app_dir: Path) -> LoadedFunction:
    """Import the function's script and check its entry point against the bindings."""
    module = _import_script(definition, app_dir)
    entry = getattr(module, ENTRY_POINT, None)
    if entry is None or not callable(entry):
        raise StartupError(
            f"Function '{definition.name}': {module.__file__} has no function "
            f"'{ENTRY_POINT}' (the entry point)."
        )
    _check_parameters(definition, entry)
    return LoadedFunction(
        definition=definition, entry=entry, is_async=inspect.iscoroutinefunction(entry)
    )


def discover_function_app(app_dir: Path, settings: Mapping[str, str]) -> FunctionApp:
    """Read host.json and every function folder, and load the enabled functions."""
    app_dir = app_dir.resolve()
    host = read_host_config(app_dir)
    functions: list[LoadedFunction] = []
    disabled: list[str] = []
    for folder in function_folders(app_dir):
        # The host skips a disabled function before looking further into it.
        if is_disabled(folder.name, settings):
            disabled.append(folder.name)
            continue
        definition = read_function_definition(folder, settings)
        functions.append(load_function(definition, app_dir))
    return FunctionApp(host=host, functions=tuple(functions), disabled=tuple(disabled))


def _import_script(definition: FunctionDefinition, app_dir: Path) -> Any:
    app_dir_text = str(app_dir.resolve())
    if app_dir_text not in sys.path:
        sys.path.insert(0, app_dir_text)
    script_file = (definition.directory / SCRIPT_FILE).resolve()
    try:
        module = importlib.import_module(definition.name)
    except Exception as error:
        raise StartupError(
            f"Function '{definition.name}': importing {script_file} failed: "
            f"{type(error).__name__}: {error}"
        ) from error
    loaded_from = getattr(module, "__file__", None)
    if loaded_from is None or Path(loaded_from).resolve() != script_file:
        # Function folders are top-level packages; one of that name was imported from elsewhere.
        raise StartupError(
            f"Function '{definition.name}': the module '{definition.name}' was already imported "
            f"from {loaded_from}, not from {script_file}; rename the folder."
        )
    return module


def _check_parameters(definition: FunctionDefinition, entry: Callable[..., Any]) -> None:
    """The entry point takes one parameter per binding: the trigger's, ``$return`` being the
    only other binding. The worker's invocation context (a ``context`` parameter) is not
    imitated, as the app uses none."""
    try:
        signature = inspect.signature(entry)
    except (TypeError, ValueError) as error:
        raise StartupError(
            f"Function '{definition.name}': cannot inspect '{ENTRY_POINT}': {error}"
        ) from error
    prefixes: dict[object, str] = {
        inspect.Parameter.VAR_POSITIONAL: "*",
        inspect.Parameter.VAR_KEYWORD: "**",
    }
    parameters = [prefixes.get(p.kind, "") + p.name for p in signature.parameters.values()]
    expected = definition.trigger.binding_name
    if parameters != [expected]:
        raise StartupError(
            f"Function '{definition.name}': the parameters of '{ENTRY_POINT}' "
            f"({', '.join(parameters)}) do not match the bindings: it takes one parameter, "
            f"'{expected}', named as the trigger binding in function.json."
        )
    _check_annotation(definition, entry, signature)


def _check_annotation(
    definition: FunctionDefinition, entry: Callable[..., Any], signature: inspect.Signature
) -> None:
    try:
        hints = typing.get_type_hints(entry)
    except Exception:
        # Unresolvable string annotations: the Python worker would complain, but the values
        # passed in are right either way, so leave it to the type checker.
        hints = {}
    name = definition.trigger.binding_name
    passed_type = PASSED_TYPES[definition.trigger_type]
    annotation = hints.get(name, signature.parameters[name].annotation)
    if not isinstance(annotation, type) or annotation is inspect.Parameter.empty:
        return
    # Either direction: the annotation may name the abstract type or the concrete one.
    if not (issubclass(passed_type, annotation) or issubclass(annotation, passed_type)):
        raise StartupError(
            f"Function '{definition.name}': parameter '{name}' is annotated "
            f"{annotation.__qualname__}, but the {definition.trigger_type} binding "
            f"passes a {passed_type.__module__}.{passed_type.__qualname__}."
        )
