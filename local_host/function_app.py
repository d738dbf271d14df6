"""Discovery of a folder-per-function app: function.json files, their bindings, entry points.

Mirrors what the Functions host and the Python worker check at startup, so that a mistake in a
function.json fails here, naming the function, rather than on the first request:

* every ``<Folder>/function.json`` directly under the app directory is one function, named
  after its folder, whose bindings are parsed by ``local_host.bindings``;
* the script is imported as a package named after the folder (the app directory goes on
  ``sys.path``), and the entry point's parameters must match the binding names.
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
    HTTP_OUTPUT,
    HTTP_TRIGGER,
    RETURN_BINDING,
    SERVICE_BUS_TRIGGER,
    TIMER_TRIGGER,
    Binding,
    Trigger,
    parse_binding,
    parse_trigger,
)
from local_host.errors import StartupError, read_json_object
from local_host.host_config import HostConfig, read_host_config

FUNCTION_JSON = "function.json"
DEFAULT_SCRIPT_FILE = "__init__.py"
DEFAULT_ENTRY_POINT = "main"
# The Python worker passes the invocation context to a parameter of this name, if declared.
CONTEXT_PARAMETER = "context"
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
    script_file: Path
    entry_point: str
    bindings: tuple[Binding, ...]
    trigger: Trigger
    disabled: bool

    @property
    def trigger_type(self) -> str:
        return self.trigger.type

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
    try:
        return read_json_object(folder / FUNCTION_JSON)
    except StartupError as error:
        raise StartupError(f"Function '{folder.name}': {error}") from error


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
    bindings = tuple(parse_binding(raw, settings, fail) for raw in raw_bindings)
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
        trigger=parse_trigger(name, triggers[0], fail),
        disabled=disabled,
    )


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
    return FunctionApp(host=host, functions=tuple(functions), disabled=tuple(disabled))


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
