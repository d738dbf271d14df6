"""The configuration files the Azure Functions host reads, checked as strictly as it reads them.

host.json, every <Function>/function.json and local.settings.sample.json are loaded with a strict
JSON parser; bindings are checked against what the host accepts for their type, binding names
against the entry point's parameters (parsed with ``ast``, nothing is imported), route
parameters against what the code reads from ``req.route_params``, and every app setting a
binding refers to against the sample settings that `func start` runs with.
"""

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from croniter import croniter

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SETTINGS = ROOT / "local.settings.sample.json"
SERVICE_BUS_EMULATOR_CONFIG = ROOT / "emulators" / "servicebus" / "Config.json"

TRIGGERS = {"httpTrigger", "serviceBusTrigger", "timerTrigger", "queueTrigger", "blobTrigger"}
# The binding types this app may use, and the directions the host accepts for each.
DIRECTIONS = {
    "httpTrigger": {"in"},
    "http": {"out"},
    "serviceBusTrigger": {"in"},
    "serviceBus": {"out"},
    "timerTrigger": {"in"},
    "queueTrigger": {"in"},
    "queue": {"out"},
    "blobTrigger": {"in"},
    "blob": {"in", "out", "inout"},
    "cosmosDB": {"in", "out"},
}
AUTH_LEVELS = {"anonymous", "function", "admin"}
HTTP_METHODS = {"get", "post", "put", "delete", "patch", "head", "options", "trace"}
ROUTE_PARAMETER = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]+)?(\??)\}")
SETTING_REFERENCE = re.compile(r"%([^%]+)%")
# Parameters the Python worker fills in itself, not from a binding.
WORKER_PARAMETERS = {"context"}


@dataclass(frozen=True)
class Function:
    name: str
    folder: Path
    config: dict[str, Any]

    @property
    def bindings(self) -> list[dict[str, Any]]:
        bindings: list[dict[str, Any]] = self.config["bindings"]
        return bindings

    @property
    def trigger(self) -> dict[str, Any]:
        return next(b for b in self.bindings if b["type"] in TRIGGERS)

    @property
    def script(self) -> Path:
        return self.folder / self.config.get("scriptFile", "__init__.py")

    @property
    def entry_point(self) -> str:
        entry_point: str = self.config.get("entryPoint", "main")
        return entry_point


def strict_json(path: Path) -> Any:
    """json.loads that refuses what the host might tolerate: NaN, duplicate keys."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        duplicates = {key for key in keys if keys.count(key) > 1}
        assert not duplicates, f"{path.name}: duplicate keys {sorted(duplicates)}"
        return dict(pairs)

    def no_constant(name: str) -> Any:
        raise AssertionError(f"{path.name}: {name} is not JSON")

    return json.loads(
        path.read_text(encoding="utf-8"),
        object_pairs_hook=no_duplicates,
        parse_constant=no_constant,
    )


def discover_functions(paths: list[Path]) -> list[Function]:
    """The functions whose function.json parses; the others fail test_function_json_is_strict."""
    functions = []
    for path in paths:
        try:
            functions.append(Function(path.parent.name, path.parent, strict_json(path)))
        except (ValueError, AssertionError):
            continue
    return functions


FUNCTION_FILES = sorted(ROOT.glob("*/function.json"))
FUNCTIONS = discover_functions(FUNCTION_FILES)
HTTP_FUNCTIONS = [f for f in FUNCTIONS if f.trigger["type"] == "httpTrigger"]


def sample_values() -> dict[str, str]:
    values: dict[str, str] = strict_json(SAMPLE_SETTINGS)["Values"]
    return values


def by_name(functions: list[Function]) -> Any:
    return pytest.mark.parametrize("function", functions, ids=[f.name for f in functions])


# host.json and the sample settings


def test_host_json_is_version_2_with_the_v4_extension_bundle() -> None:
    host = strict_json(ROOT / "host.json")
    assert host["version"] == "2.0"
    assert host["extensionBundle"] == {
        "id": "Microsoft.Azure.Functions.ExtensionBundle",
        "version": "[4.*, 5.0.0)",
    }


def test_the_function_folders_are_found() -> None:
    assert {"HttpSubmitOrder", "ProcessSubmitOrder"} <= {
        path.parent.name for path in FUNCTION_FILES
    }


@pytest.mark.parametrize("path", FUNCTION_FILES, ids=[p.parent.name for p in FUNCTION_FILES])
def test_function_json_is_strict_json(path: Path) -> None:
    try:
        config = strict_json(path)
    except ValueError as error:  # JSONDecodeError: trailing commas, comments...
        pytest.fail(f"{path.parent.name}/function.json is not strict JSON: {error}")
    assert isinstance(config.get("bindings"), list), "function.json needs a 'bindings' list"


def test_the_sample_settings_are_what_func_start_needs() -> None:
    document = strict_json(SAMPLE_SETTINGS)
    assert document["IsEncrypted"] is False
    values = document["Values"]
    assert all(isinstance(value, str) for value in values.values()), "app settings are strings"
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert values["AzureWebJobsStorage"] == "UseDevelopmentStorage=true"
    assert isinstance(document["Host"]["LocalHttpPort"], int)


def test_the_emulator_declares_the_submit_order_queue_within_its_limits() -> None:
    namespaces = strict_json(SERVICE_BUS_EMULATOR_CONFIG)["UserConfig"]["Namespaces"]
    assert [namespace["Name"] for namespace in namespaces] == ["sbemulatorns"]
    queues = {queue["Name"]: queue["Properties"] for queue in namespaces[0]["Queues"]}
    properties = queues[sample_values()["SubmitOrderQueue"]]
    assert properties["MaxDeliveryCount"] == 10
    assert properties["RequiresDuplicateDetection"] is True
    assert properties["RequiresSession"] is False
    for queue in queues.values():
        # The emulator's limits (its Config schema): 1-10 deliveries, lock 5 s to 5 min,
        # duplicate detection window 5 s to 5 min, time to live 5 min to 1 h.
        assert 1 <= queue["MaxDeliveryCount"] <= 10
        assert 5 <= iso_seconds(queue["LockDuration"]) <= 300
        assert 5 <= iso_seconds(queue["DuplicateDetectionHistoryTimeWindow"]) <= 300
        assert 300 <= iso_seconds(queue["DefaultMessageTimeToLive"]) <= 3600


def iso_seconds(duration: str) -> int:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration)
    assert match, f"{duration!r} is not an ISO 8601 time duration"
    assert any(match.groups()), f"{duration!r} is an empty duration"
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


# Every function.json


@by_name(FUNCTIONS)
def test_a_function_has_exactly_one_trigger(function: Function) -> None:
    triggers = [b["type"] for b in function.bindings if b["type"] in TRIGGERS]
    assert len(triggers) == 1, f"{function.name}: triggers {triggers}"


@by_name(FUNCTIONS)
def test_bindings_have_known_types_directions_and_unique_names(function: Function) -> None:
    names = [binding.get("name") for binding in function.bindings]
    assert all(isinstance(name, str) and name for name in names), f"{function.name}: no name"
    assert len(names) == len(set(names)), f"{function.name}: duplicate binding names {names}"
    for binding in function.bindings:
        assert binding["type"] in DIRECTIONS, f"{function.name}: unknown type {binding['type']}"
        assert binding["direction"] in DIRECTIONS[binding["type"]], (
            f"{function.name}: {binding['type']} cannot be '{binding['direction']}'"
        )


@by_name(HTTP_FUNCTIONS)
def test_http_triggers_are_complete(function: Function) -> None:
    trigger = function.trigger
    assert trigger["authLevel"] in AUTH_LEVELS
    # A catch-all route ({*path}) answers every method, so that no method falls through it.
    methods = trigger.get("methods", []) if "{*" in trigger["route"] else trigger["methods"]
    assert methods or "{*" in trigger["route"], f"{function.name}: no methods"
    assert all(method in HTTP_METHODS for method in methods), f"lowercase verbs, not {methods}"
    route = trigger["route"]
    assert isinstance(route, str), f"{function.name}: route is not a string"
    assert route, f"{function.name}: no route"
    assert not route.startswith("/"), "routes are relative to the route prefix"
    assert route.count("{") == route.count("}") == len(ROUTE_PARAMETER.findall(route))
    outputs = [b for b in function.bindings if b["type"] == "http"]
    assert [b["name"] for b in outputs] == ["$return"], f"{function.name}: one http $return"


def test_no_two_http_functions_answer_the_same_method_and_route() -> None:
    seen: dict[tuple[str, str], str] = {}
    for function in HTTP_FUNCTIONS:
        # Parameter names do not tell routes apart: customers/{a} and customers/{b} collide.
        shape = ROUTE_PARAMETER.sub("{}", function.trigger["route"]).lower()
        for method in function.trigger.get("methods", ["*"]):
            other = seen.setdefault((method, shape), function.name)
            assert other == function.name, f"{function.name} and {other}: {method} {shape}"


@by_name([f for f in FUNCTIONS if f.trigger["type"] == "serviceBusTrigger"])
def test_service_bus_triggers_name_a_queue_and_a_connection_setting(function: Function) -> None:
    trigger = function.trigger
    assert trigger["queueName"], f"{function.name}: no queueName"
    connection = trigger["connection"]
    assert "%" not in connection, "'connection' names an app setting: no %...%"
    values = sample_values()
    assert connection in values or f"{connection}__fullyQualifiedNamespace" in values, (
        f"{function.name}: connection '{connection}' is not in local.settings.sample.json"
    )


@by_name([f for f in FUNCTIONS if f.trigger["type"] == "timerTrigger"])
def test_timer_schedules_are_six_field_ncrontab(function: Function) -> None:
    schedule = resolve_settings(function.trigger["schedule"])
    fields = schedule.split()
    assert len(fields) == 6, f"{function.name}: '{schedule}' is not 'sec min hour day month dow'"
    assert croniter.is_valid(schedule, second_at_beginning=True), schedule


@by_name(FUNCTIONS)
def test_every_referenced_app_setting_is_in_the_sample(function: Function) -> None:
    values = sample_values()
    for setting in referenced_settings(function.config):
        assert setting in values, f"{function.name}: %{setting}% is not in the sample settings"


def referenced_settings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from SETTING_REFERENCE.findall(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from referenced_settings(item)
    elif isinstance(value, list):
        for item in value:
            yield from referenced_settings(item)


def resolve_settings(text: str) -> str:
    values = sample_values()
    return SETTING_REFERENCE.sub(lambda match: values[match.group(1)], text)


# function.json against the code


@by_name(FUNCTIONS)
def test_binding_names_are_the_entry_points_parameters(function: Function) -> None:
    assert function.script.is_file(), f"{function.name}: no {function.script.name}"
    entry = function_def(parse(function.script), function.entry_point)
    assert entry is not None, f"{function.name}: no function '{function.entry_point}'"
    parameters = {a.arg for a in entry.args.posonlyargs + entry.args.args + entry.args.kwonlyargs}
    bindings = {b["name"] for b in function.bindings if b["name"] != "$return"}
    assert bindings == parameters - WORKER_PARAMETERS, (
        f"{function.name}: bindings {sorted(bindings)}, parameters {sorted(parameters)}"
    )


# A function folder only binds the trigger to an entry point in shared/.
MAX_ENTRY_POINT_LINES = 15


@by_name(FUNCTIONS)
def test_a_function_folder_is_thin(function: Function) -> None:
    lines = len(function.script.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_ENTRY_POINT_LINES, (
        f"{function.name}: {function.script.name} has {lines} lines; move the logic to shared/"
    )


@by_name(FUNCTIONS)
def test_a_function_folder_says_what_it_does_in_a_docstring_summary_line(
    function: Function,
) -> None:
    docstring = ast.get_docstring(parse(function.script), clean=False)
    assert docstring, f"{function.name}: {function.script.name} has no docstring"
    lines = docstring.splitlines()
    # PEP 257: the summary line, then a blank line before any description.
    assert len(lines) == 1 or lines[1].strip() == "", (
        f"{function.name}: the docstring needs a blank line after its summary line"
    )


@by_name(HTTP_FUNCTIONS)
def test_route_parameters_are_exactly_what_the_code_reads(function: Function) -> None:
    declared = {name for _, name, _ in ROUTE_PARAMETER.findall(function.trigger["route"])}
    read = RouteParameterScan(ROOT).reads_of(function.script, function.entry_point)
    assert read == declared, (
        f"{function.name}: route declares {sorted(declared)}, code reads {sorted(read)}"
    )


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def function_def(module: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for node in module.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node
    return None


class RouteParameterScan:
    """Which ``route_params`` keys a function reads, following calls into the project's modules.

    A read is ``x.route_params["key"]`` or ``x.route_params.get("key", ...)``. When the key is
    a parameter of the function (``uuid_from_route(request, "cartId")``), the read is of the
    string the caller passes. Calls are followed into functions imported from this project, at
    module level or in the calling function (the function folders import on their first call).
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        self._modules: dict[Path, ast.Module] = {}

    def reads_of(self, path: Path, name: str) -> set[str]:
        return self._reads(path, name, arguments={}, depth=0)

    def _reads(self, path: Path, name: str, arguments: dict[str, str], depth: int) -> set[str]:
        module = self._module(path)
        definition = function_def(module, name)
        if definition is None or depth > 8:
            return set()
        reads: set[str] = set()
        for node in ast.walk(definition):
            key = route_params_key(node)
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                reads.add(key.value)
            elif isinstance(key, ast.Name) and key.id in arguments:
                reads.add(arguments[key.id])
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                target = self._resolve(path, module, definition, node.func.id)
                if target is not None:
                    callee_path, callee = target
                    passed = string_arguments(callee, node)
                    reads |= self._reads(callee_path, callee.name, passed, depth + 1)
        return reads

    def _resolve(
        self,
        path: Path,
        module: ast.Module,
        caller: ast.FunctionDef | ast.AsyncFunctionDef,
        name: str,
    ) -> tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef] | None:
        local = function_def(module, name)
        if local is not None:
            return path, local
        for node in [*caller.body, *module.body]:
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.level == 0
                and any(alias.name == name and alias.asname is None for alias in node.names)
            ):
                source = self._root / (node.module.replace(".", "/") + ".py")
                if source.is_file():
                    found = function_def(self._module(source), name)
                    return (source, found) if found is not None else None
        return None

    def _module(self, path: Path) -> ast.Module:
        if path not in self._modules:
            self._modules[path] = parse(path)
        return self._modules[path]


def route_params_key(node: ast.AST) -> ast.expr | None:
    """The key expression of ``x.route_params[key]`` or ``x.route_params.get(key, ...)``."""
    if isinstance(node, ast.Subscript) and is_route_params(node.value):
        return node.slice
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and is_route_params(node.func.value)
        and node.args
    ):
        return node.args[0]
    return None


def is_route_params(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "route_params"


def string_arguments(
    callee: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call
) -> dict[str, str]:
    """The callee's parameters that this call passes a string literal to."""
    names = [a.arg for a in callee.args.posonlyargs + callee.args.args]
    passed: dict[str, str] = {}
    for parameter, argument in zip(names, call.args, strict=False):
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            passed[parameter] = argument.value
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg and isinstance(value, ast.Constant) and isinstance(value.value, str):
            passed[keyword.arg] = value.value
    return passed


def test_the_api_builds_locations_under_the_route_prefix_of_host_json() -> None:
    # Location headers are built from ROUTE_PREFIX; it must follow host.json if that changes.
    from shared.api.http import ROUTE_PREFIX

    host = strict_json(ROOT / "host.json")
    route_prefix = host.get("extensions", {}).get("http", {}).get("routePrefix", "api")
    assert f"/{route_prefix}" == ROUTE_PREFIX
