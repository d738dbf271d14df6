"""The local host's discovery, route matching and settings, on throwaway apps in tmp_path.

Function folders are imported as top-level packages, so every app here uses folder names
unique to its test, and the app directory leaves sys.path (and its modules sys.modules) after.
"""

import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_host.app_settings import (
    embedded_defaults,
    load_app_settings,
    read_local_settings,
)
from local_host.bindings import (
    HttpTrigger,
    ServiceBusTrigger,
    TimerTrigger,
    resolve_setting_references,
)
from local_host.errors import StartupError
from local_host.function_app import (
    discover_function_app,
    function_folders,
    read_function_definition,
)
from local_host.host_config import HostConfig, read_host_config
from local_host.http_server import build_router
from local_host.listing import format_listing
from local_host.routing import Route, RouteMatch, Router
from local_host.timer_trigger import next_occurrence
from shared.api.route_template import RouteTemplate
from shared.api.route_template import RouteTemplateError as TemplateError

REPO_ROOT = Path(__file__).resolve().parents[2]

HTTP_CODE = """
import azure.functions as func


async def main(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")
"""

SYNC_HTTP_CODE = """
import azure.functions as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")
"""

QUEUE_CODE = """
import azure.functions as func


async def main(msg: func.ServiceBusMessage) -> None:
    pass
"""

TIMER_CODE = """
import azure.functions as func


def main(timer: func.TimerRequest) -> None:
    pass
"""


def http_json(route: str | None = None, methods: list[str] | None = None) -> dict[str, Any]:
    trigger: dict[str, Any] = {
        "type": "httpTrigger",
        "direction": "in",
        "name": "req",
        "authLevel": "anonymous",
    }
    if methods is not None:
        trigger["methods"] = methods
    if route is not None:
        trigger["route"] = route
    return {
        "scriptFile": "__init__.py",
        "bindings": [trigger, {"type": "http", "direction": "out", "name": "$return"}],
    }


def queue_json(queue_name: str = "%JobsQueue%") -> dict[str, Any]:
    return {
        "bindings": [
            {
                "type": "serviceBusTrigger",
                "direction": "in",
                "name": "msg",
                "queueName": queue_name,
                "connection": "ServiceBusConnection",
                "dataType": "binary",
            }
        ]
    }


def timer_json(schedule: str = "0 */5 * * * *") -> dict[str, Any]:
    return {
        "bindings": [
            {"type": "timerTrigger", "direction": "in", "name": "timer", "schedule": schedule}
        ]
    }


class ThrowawayApp:
    """A function app directory with uniquely named function folders."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.suffix = uuid.uuid4().hex[:8]
        root.mkdir(parents=True, exist_ok=True)

    def name(self, base: str) -> str:
        return f"{base}_{self.suffix}"

    def add(self, base: str, function_json: dict[str, Any] | str, code: str = HTTP_CODE) -> str:
        name = self.name(base)
        folder = self.root / name
        folder.mkdir()
        text = function_json if isinstance(function_json, str) else json.dumps(function_json)
        (folder / "function.json").write_text(text, encoding="utf-8")
        (folder / "__init__.py").write_text(code, encoding="utf-8")
        return name

    def host_json(self, document: dict[str, Any] | str) -> None:
        text = document if isinstance(document, str) else json.dumps(document)
        (self.root / "host.json").write_text(text, encoding="utf-8")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[ThrowawayApp]:
    throwaway = ThrowawayApp(tmp_path / "app")
    path_before = list(sys.path)
    yield throwaway
    sys.path[:] = path_before
    for module in [
        m
        for m in sys.modules
        if m.endswith(throwaway.suffix) or m.split(".")[0].endswith(throwaway.suffix)
    ]:
        del sys.modules[module]


SETTINGS = {"JobsQueue": "jobs"}


# --- discovery -------------------------------------------------------------------------------


def test_discovers_each_trigger_type_with_settings_resolved(app: ThrowawayApp) -> None:
    carts = app.add("Carts", http_json("customers/{customer}/carts", ["get", "POST"]))
    jobs = app.add("Jobs", queue_json(), QUEUE_CODE)
    tick = app.add("Tick", timer_json(), TIMER_CODE)

    function_app = discover_function_app(app.root, SETTINGS)

    by_name = {f.name: f for f in function_app.functions}
    assert sorted(by_name) == sorted([carts, jobs, tick])
    http = by_name[carts].definition.trigger
    assert isinstance(http, HttpTrigger)
    assert http.methods == ("GET", "POST")
    assert http.route == "customers/{customer}/carts"
    assert by_name[carts].is_async
    queue = by_name[jobs].definition.trigger
    assert isinstance(queue, ServiceBusTrigger)
    assert queue.queue_name == "jobs"
    assert queue.connection == "ServiceBusConnection"
    timer = by_name[tick].definition.trigger
    assert isinstance(timer, TimerTrigger)
    assert timer.schedule == "0 */5 * * * *"
    assert not by_name[tick].is_async
    assert function_app.host == HostConfig()


def test_without_a_route_the_function_is_served_at_its_name(app: ThrowawayApp) -> None:
    name = app.add("Ping", http_json())
    definition = read_function_definition(app.root / name, {})
    assert isinstance(definition.trigger, HttpTrigger)
    assert definition.trigger.route == name
    assert definition.trigger.methods == ()


def test_disabled_functions_are_skipped(app: ThrowawayApp) -> None:
    off = app.add("Off", http_json("off"))
    by_environment = app.add("ByEnvironment", http_json("by-environment"))
    on = app.add("On", http_json("on"))
    settings = {
        f"AzureWebJobs.{off}.Disabled": "true",
        f"AzureWebJobs_{by_environment}_Disabled": "1",
    }

    function_app = discover_function_app(app.root, settings)

    assert [f.name for f in function_app.functions] == [on]
    assert sorted(function_app.disabled) == sorted([off, by_environment])


def test_a_malformed_function_json_names_the_file(app: ThrowawayApp) -> None:
    name = app.add("Broken", '{"bindings": [ {"type": "httpTrigger",, } ]}')
    with pytest.raises(StartupError, match=rf"{name}.*function\.json is not valid JSON"):
        discover_function_app(app.root, {})


def test_a_function_json_with_comments_is_rejected_as_the_host_reads_strict_json(
    app: ThrowawayApp,
) -> None:
    text = "// a comment\n" + json.dumps(http_json())
    name = app.add("Commented", text)
    with pytest.raises(StartupError, match=name):
        discover_function_app(app.root, {})


def test_a_missing_app_setting_reference_names_the_setting(app: ThrowawayApp) -> None:
    name = app.add("Jobs", queue_json("%NoSuchQueueSetting%"), QUEUE_CODE)
    with pytest.raises(StartupError, match=rf"'{name}'.*'NoSuchQueueSetting'"):
        discover_function_app(app.root, {})


def test_setting_references_resolve_inside_longer_text() -> None:
    settings = {"Env": "dev", "Region": "weu"}
    assert resolve_setting_references("orders-%Env%-%Region%", settings, "x") == "orders-dev-weu"
    assert resolve_setting_references("no references", settings, "x") == "no references"
    with pytest.raises(StartupError, match="'Missing'"):
        resolve_setting_references("%Missing%", settings, "queueName")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "async def main(request):\n    pass\n",
            r"parameters of 'main' \(request\) do not match the bindings.* 'req'",
        ),
        ("async def main(req, extra):\n    pass\n", r"\(req, extra\) do not match"),
        ("async def main(*args):\n    pass\n", r"\(\*args\) do not match"),
        ("async def main(req, **kwargs):\n    pass\n", r"\(req, \*\*kwargs\) do not match"),
        ("async def handler(req):\n    pass\n", r"no function 'main'"),
        ("main = 42\n", r"no function 'main'"),
        ("async def main(req: str):\n    pass\n", r"annotated str"),
        ("import no_such_module_anywhere\n", r"importing .* failed: ModuleNotFoundError"),
        ("def main(req:\n", r"importing .* failed: SyntaxError"),
    ],
)
def test_an_entry_point_that_does_not_fit_its_bindings_fails_naming_the_function(
    app: ThrowawayApp, code: str, message: str
) -> None:
    name = app.add("Mismatch", http_json("mismatch"), code)
    with pytest.raises(StartupError, match=rf"Function '{name}'.*{message}"):
        discover_function_app(app.root, {})


def test_a_context_parameter_is_refused_naming_it(app: ThrowawayApp) -> None:
    # The worker's invocation context is not imitated: the app's functions take none.
    code = (
        "import azure.functions as func\n\n"
        "async def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:\n"
        "    return func.HttpResponse(context.invocation_id)\n"
    )
    name = app.add("WithContext", http_json("with-context"), code)
    with pytest.raises(StartupError, match=rf"Function '{name}'.*\(req, context\) do not match"):
        discover_function_app(app.root, {})


@pytest.mark.parametrize(
    ("function_json", "message"),
    [
        ({"bindings": []}, r"'bindings' must be a non-empty list"),
        (
            {"bindings": [{"type": "blob", "direction": "in", "name": "req", "path": "x"}]},
            r"exactly one trigger binding, found 0",
        ),
        (
            {"bindings": [{"type": "queueTrigger", "direction": "in", "name": "req"}]},
            r"binding 'req' of type 'queueTrigger' is not supported",
        ),
        (
            {
                "bindings": [
                    *http_json()["bindings"][:1],
                    {"type": "cosmosDB", "direction": "in", "name": "doc"},
                ]
            },
            r"binding 'doc' of type 'cosmosDB'",
        ),
        (
            {
                "bindings": [
                    *http_json()["bindings"][:1],
                    {"type": "http", "direction": "out", "name": "res"},
                ]
            },
            r"must be named '\$return'",
        ),
        (
            {"bindings": [{"type": "httpTrigger", "direction": "sideways", "name": "req"}]},
            r"'direction'",
        ),
        (http_json("a/{id}/b/{id}"), r"uses the parameter name\(s\) id twice"),
        (http_json("a/{id:nosuch}"), r"'{id:nosuch}' is not supported"),
        (timer_json("*/5 * * * *"), r"six-field NCRONTAB"),
        (timer_json("61 * * * * *"), r"not a valid six-field NCRONTAB"),
        (
            {
                "bindings": [
                    {
                        "type": "serviceBusTrigger",
                        "direction": "in",
                        "name": "req",
                        "topicName": "t",
                        "subscriptionName": "s",
                    }
                ]
            },
            r"does not support 'subscriptionName', 'topicName'",
        ),
        # What the real host supports and this app does not use: refused, never ignored.
        ({**http_json(), "entryPoint": "handle"}, r"does not support 'entryPoint'"),
        ({**http_json(), "disabled": True}, r"does not support 'disabled'"),
        ({**http_json(), "retry": {"strategy": "fixedDelay"}}, r"does not support 'retry'"),
        ({**http_json(), "scriptFile": "handler.py"}, r"'scriptFile' must be __init__\.py"),
        (
            {"bindings": [{**http_json()["bindings"][0], "authLevel": "function"}]},
            r"'authLevel' 'function' is not supported",
        ),
        (
            {
                "bindings": [
                    {k: v for k, v in http_json()["bindings"][0].items() if k != "authLevel"}
                ]
            },
            r"'authLevel' 'function' is not supported",
        ),
        (
            {"bindings": [{**queue_json("jobs")["bindings"][0], "dataType": "string"}]},
            r"must have \"dataType\": \"binary\"",
        ),
        (
            {"bindings": [{**queue_json("jobs")["bindings"][0], "cardinality": "many"}]},
            r"does not support 'cardinality'",
        ),
        (
            {"bindings": [{**timer_json()["bindings"][0], "runOnStartup": True}]},
            r"does not support 'runOnStartup'",
        ),
        (timer_json("00:05:00"), r"TimeSpan schedules are not supported"),
        (
            {
                "bindings": [
                    *http_json()["bindings"],
                    {"type": "http", "direction": "in", "name": "x"},
                ]
            },
            r"binding 'x' \(http\) must have direction 'out'",
        ),
    ],
)
def test_invalid_function_json_fails_naming_the_function(
    app: ThrowawayApp, function_json: dict[str, Any], message: str
) -> None:
    name = app.add("Invalid", function_json)
    with pytest.raises(StartupError, match=rf"Function '{name}'.*{message}"):
        read_function_definition(app.root / name, {})


def test_function_folders_are_the_direct_subfolders_with_a_function_json(
    app: ThrowawayApp,
) -> None:
    first = app.add("B", http_json("b"))
    second = app.add("A", http_json("a"))
    (app.root / "helpers").mkdir()
    nested = app.root / "helpers" / "Nested"
    nested.mkdir()
    (nested / "function.json").write_text(json.dumps(http_json()), encoding="utf-8")
    assert [f.name for f in function_folders(app.root)] == sorted([first, second])


# --- host.json -------------------------------------------------------------------------------


def test_host_json_route_prefix_and_service_bus_options(app: ThrowawayApp) -> None:
    app.host_json(
        {
            "version": "2.0",
            "extensions": {
                "http": {"routePrefix": "/v1/"},
                "serviceBus": {"maxConcurrentCalls": 4, "maxAutoLockRenewalDuration": "00:00:30"},
            },
        }
    )
    config = read_host_config(app.root)
    assert config.route_prefix == "v1"
    assert config.max_concurrent_calls == 4
    assert config.max_auto_lock_renewal.total_seconds() == 30


def test_host_json_defaults_and_empty_route_prefix(app: ThrowawayApp) -> None:
    assert read_host_config(app.root) == HostConfig(route_prefix="api", max_concurrent_calls=16)
    app.host_json({"version": "2.0", "extensions": {"http": {"routePrefix": ""}}})
    assert read_host_config(app.root).route_prefix == ""


def test_a_malformed_host_json_is_a_startup_error(app: ThrowawayApp) -> None:
    app.host_json('{"version": "2.0",}')
    with pytest.raises(StartupError, match=r"host\.json is not valid JSON"):
        read_host_config(app.root)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        # TimeSpans beyond the app's hh:mm:ss: refused, not read differently from the host.
        ({"functionTimeout": "-1"}, r"functionTimeout must be a TimeSpan hh:mm:ss"),
        ({"functionTimeout": "1.00:00:00"}, r"functionTimeout must be a TimeSpan hh:mm:ss"),
        ({"functionTimeout": "00:00:30.5"}, r"functionTimeout must be a TimeSpan hh:mm:ss"),
        ({"functionTimeout": "24:00:00"}, r"functionTimeout must be a TimeSpan hh:mm:ss"),
        ({"functionTimeout": "00:00:00"}, r"functionTimeout must be longer"),
        (
            {"extensions": {"serviceBus": {"maxAutoLockRenewalDuration": 300}}},
            r"maxAutoLockRenewalDuration must be a TimeSpan",
        ),
    ],
)
def test_host_json_timespans_are_hh_mm_ss(
    app: ThrowawayApp, document: dict[str, Any], message: str
) -> None:
    app.host_json({"version": "2.0", **document})
    with pytest.raises(StartupError, match=message):
        read_host_config(app.root)


@pytest.mark.parametrize(
    ("service_bus", "setting"),
    [
        # Service Bus extension 5.x (the app's bundle, [4.*, 5.0.0)) reads the flat key.
        ({"autoCompleteMessages": False}, r"extensions\.serviceBus\.autoCompleteMessages"),
        ({"autoCompleteMessages": "false"}, r"extensions\.serviceBus\.autoCompleteMessages"),
        # Extensions 2.x-4.x read it from messageHandlerOptions.
        (
            {"messageHandlerOptions": {"autoComplete": False}},
            r"extensions\.serviceBus\.messageHandlerOptions\.autoComplete",
        ),
    ],
)
def test_service_bus_auto_complete_turned_off_is_refused_naming_the_setting(
    app: ThrowawayApp, service_bus: dict[str, Any], setting: str
) -> None:
    # The app relies on auto-complete, the only settlement this host imitates.
    app.host_json({"version": "2.0", "extensions": {"serviceBus": service_bus}})
    with pytest.raises(StartupError, match=rf"{setting} must be true"):
        read_host_config(app.root)
    on = {"autoCompleteMessages": True, "messageHandlerOptions": {"autoComplete": True}}
    app.host_json({"version": "2.0", "extensions": {"serviceBus": on}})
    assert read_host_config(app.root) == HostConfig()


# --- the repository's own app ----------------------------------------------------------------


def test_every_function_of_the_app_loads() -> None:
    settings = {**embedded_defaults(REPO_ROOT), "SubmitOrderQueue": "submit-order"}
    function_app = discover_function_app(REPO_ROOT, settings)
    triggers = {f.name: f.definition.trigger_type for f in function_app.functions}
    assert triggers["HttpSubmitOrder"] == "httpTrigger"
    assert triggers["GetShoppingCarts"] == "httpTrigger"
    assert triggers["ProcessSubmitOrder"] == "serviceBusTrigger"
    assert set(triggers) == {folder.name for folder in function_folders(REPO_ROOT)}
    assert function_app.host.route_prefix == "api"


# --- route templates and the router ----------------------------------------------------------


def match(template: str, path: str) -> dict[str, str] | None:
    return RouteTemplate.parse(template).match(
        [segment for segment in path.strip("/").split("/") if segment]
    )


def test_route_parameters_match_whole_segments() -> None:
    template = "api/customers/{customer}/carts/{cartId}"
    assert match(template, "api/customers/anna/carts/42") == {"customer": "anna", "cartId": "42"}
    assert match(template, "API/Customers/anna/CARTS/42") == {"customer": "anna", "cartId": "42"}
    assert match(template, "api/customers/anna/carts") is None
    assert match(template, "api/customers/anna/carts/42/items") is None


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("api/customers/{customer}/carts", "api/customers/anna/CARTS", {"customer": "anna"}),
        # Unicode case rules would pair these with ASCII letters: U+017F (long s) upper-cases
        # to "S", U+212A (Kelvin sign) lower-cases to "k", U+0130 (dotted I) to "i".
        ("api/customers/{customer}/carts", "api/customers/anna/cart\u017f", None),
        ("api/customers/{customer}/carts", "api/customers/anna/CART\u017f", None),
        ("kelvin/{id}", "\u212aelvin/1", None),
        ("links/{id}", "L\u0130NKS/1", None),
        ("files/{name}/pdf", "files/\u017c\u00f3\u0142w/PDF", {"name": "\u017c\u00f3\u0142w"}),
        ("files/{name}/pdf", "files/\u017c\u00f3\u0142w/pdf\u017f", None),
        ("carts/{id}", "carts/\u017f", {"id": "\u017f"}),
        ("files/{*path}", "files/a/b/c.txt", {"path": "a/b/c.txt"}),
        ("files/{*path}", "files", {}),
        ("{*path}", "", {}),
        ("{*path}", "anything/at/all", {"path": "anything/at/all"}),
    ],
)
def test_route_templates(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert match(template, path) == expected


@pytest.mark.parametrize(
    "template",
    [
        "a/{id",
        "a/id}",
        "a/{}",
        "a/{1x}",
        "a//b",
        "a/{*rest}/b",
        "a/{x}/{X}",
        "a?b=1",
        # The real host serves these (ASP.NET Core template syntax); this app uses none of it,
        # so this host refuses them rather than serve them differently.
        "items/{id:int}",
        "items/{id:regex(^[a-z]{{2}}$)}",
        "items/{id?}",
        "items/{page=1}",
        "files/{name}.{ext}",
        "files/{name}.pdf",
        "a/{x}{y}",
        "a/{{literal}}",
    ],
)
def test_unsupported_or_malformed_route_templates_are_refused(template: str) -> None:
    with pytest.raises(TemplateError):
        RouteTemplate.parse(template)


def test_the_host_refuses_to_start_with_an_unsupported_route_naming_the_function(
    app: ThrowawayApp,
) -> None:
    app.add("Carts", http_json("customers/{customer}/carts", ["get"]))
    name = app.add("CartById", http_json("carts/{id:int}", ["get"]))
    with pytest.raises(StartupError, match=rf"Function '{name}'.*'{{id:int}}' is not supported"):
        discover_function_app(app.root, {})


def router(*routes: tuple[str, frozenset[str], str]) -> Router[str]:
    return Router(
        Route(template=RouteTemplate.parse(t), methods=methods, target=target)
        for t, methods, target in routes
    )


def test_the_router_decodes_the_path_but_an_encoded_slash() -> None:
    # Kestrel decodes the path but for %2F, which stays as sent (dotnet/aspnetcore issue 17864).
    routes = router(("api/customers/{customer}", frozenset({"GET"}), "customer"))
    resolved = routes.resolve("/api/customers/J%C3%B3zef%20K%2fW/", "get")
    assert resolved == RouteMatch(target="customer", route_params={"customer": "Józef K%2fW"})


def test_an_encoded_long_s_does_not_reach_the_carts_route() -> None:
    routes = router(("api/customers/{customer}/carts", frozenset({"POST"}), "create cart"))
    assert routes.resolve("/api/customers/anna/cart%C5%BF", "POST") is None
    assert routes.resolve("/api/customers/anna/CARTS", "POST") == RouteMatch(
        "create cart", {"customer": "anna"}
    )


def test_routes_are_tried_in_the_order_given_not_by_specificity() -> None:
    # azure-functions-host issue 9876: the host tries routes in its functions' order, so a
    # parameter route listed first shadows a literal one (ASP.NET Core would pick the literal).
    routes = router(
        ("api/carts/{cartId}", frozenset({"GET"}), "one cart"),
        ("api/carts/latest", frozenset({"GET"}), "latest"),
    )
    assert routes.resolve("/api/carts/latest", "GET") == RouteMatch(
        "one cart", {"cartId": "latest"}
    )
    assert routes.resolve("/api/carts/7", "GET") == RouteMatch("one cart", {"cartId": "7"})


def test_a_method_outside_methods_does_not_match_and_the_next_route_is_tried() -> None:
    # WebScriptHostHttpRoutesManager: methods become an HttpMethodRouteConstraint.
    routes = router(
        ("api/carts", frozenset({"GET"}), "list"),
        ("api/carts", frozenset({"POST"}), "create"),
        ("api/any", frozenset(), "any"),
    )
    assert routes.resolve("/api/carts", "post") == RouteMatch("create", {})
    assert routes.resolve("/api/carts", "DELETE") is None
    assert routes.resolve("/api/any", "PATCH") == RouteMatch("any", {})
    assert routes.resolve("/api/nothing", "GET") is None


def test_a_literal_path_resolves_as_the_walk_through_the_routes_does() -> None:
    # The router looks literal routes up by path; the answers must be those of the full walk.
    routes = router(
        ("api/products", frozenset({"GET"}), "products"),
        ("api/{*rest}", frozenset(), "catch-all"),
    )
    assert routes.resolve("/API/Products/", "get") == RouteMatch("products", {})
    assert routes.resolve("/api/pr%6Fducts", "GET") == RouteMatch("products", {})
    assert routes.resolve("/api/products", "POST") == RouteMatch("catch-all", {"rest": "products"})
    assert routes.resolve("/api//products", "GET") == RouteMatch("catch-all", {"rest": "/products"})
    shadowed = router(
        ("api/{*rest}", frozenset({"GET"}), "catch-all"),
        ("api/products", frozenset(), "products"),
    )
    assert shadowed.resolve("/api/products", "GET") == RouteMatch("catch-all", {"rest": "products"})
    assert shadowed.resolve("/api/products", "PUT") == RouteMatch("products", {})


def test_the_app_router_orders_routes_by_function_name(app: ThrowawayApp) -> None:
    app.add("List", http_json("items/recent", ["get"]))
    details = app.add("Details", http_json("items/{id}", ["get"]))
    function_app = discover_function_app(app.root, {})
    resolved = build_router(function_app.functions, "api").resolve("/api/items/recent", "GET")
    assert isinstance(resolved, RouteMatch)
    assert resolved.target.name == details
    assert resolved.route_params == {"id": "recent"}


def test_the_app_router_serves_under_the_route_prefix(app: ThrowawayApp) -> None:
    name = app.add("Carts", http_json("customers/{customer}/carts", ["get"]))
    function_app = discover_function_app(app.root, {})
    routes = build_router(function_app.functions, "api")
    resolved = routes.resolve("/api/customers/anna/carts", "GET")
    assert isinstance(resolved, RouteMatch)
    assert resolved.target.name == name
    assert routes.resolve("/customers/anna/carts", "GET") is None
    assert build_router(function_app.functions, "").resolve("/customers/a/carts", "GET")


def test_the_listing_looks_like_func_start(app: ThrowawayApp) -> None:
    carts = app.add("Carts", http_json("customers/{customer}/carts", ["get"]))
    jobs = app.add("Jobs", queue_json(), QUEUE_CODE)
    function_app = discover_function_app(app.root, SETTINGS)
    listing = format_listing(function_app.functions, "api", "http://127.0.0.1:7071")
    assert f"        {carts}: [GET] http://127.0.0.1:7071/api/customers/{{customer}}/carts" in (
        listing.splitlines()
    )
    assert f"        {jobs}: serviceBusTrigger" in listing.splitlines()
    assert listing.startswith("Functions:\n\n")


# --- timer schedules -------------------------------------------------------------------------


def test_timer_schedules_are_six_field_ncrontab_with_seconds_first() -> None:
    from datetime import UTC, datetime

    start = datetime(2024, 1, 1, 0, 0, 3, tzinfo=UTC)
    every_ten_seconds = next_occurrence("*/10 * * * * *", start)
    assert every_ten_seconds == datetime(2024, 1, 1, 0, 0, 10, tzinfo=UTC)
    assert next_occurrence("0 */1 * * * *", start) == datetime(2024, 1, 1, 0, 1, 0, tzinfo=UTC)


# --- app settings ----------------------------------------------------------------------------


def write_settings(app_dir: Path, document: dict[str, Any] | str) -> Path:
    path = app_dir / "local.settings.json"
    text = document if isinstance(document, str) else json.dumps(document)
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_default_to_the_embedded_backends(tmp_path: Path) -> None:
    settings = load_app_settings(tmp_path, None, {})
    assert settings.values["StorageBackend"] == "sqlite"
    assert settings.values["MessagingBackend"] == "sqlite"
    assert settings.values["SubmitOrderQueue"] == "submit-order"
    assert settings.values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert settings.values["EmbeddedDataDir"] == str((tmp_path / ".data").resolve())
    assert settings.local_http_port is None


def test_the_settings_file_overrides_defaults_and_the_environment_overrides_both(
    tmp_path: Path,
) -> None:
    write_settings(
        tmp_path,
        {
            "IsEncrypted": False,
            "Values": {"SubmitOrderQueue": "from-file", "StorageBackend": "cosmos", "Own": "x"},
            "Host": {"LocalHttpPort": 7075},
        },
    )
    settings = load_app_settings(tmp_path, None, {"StorageBackend": "sqlite", "OnlyEnv": "y"})
    assert settings.values["SubmitOrderQueue"] == "from-file"
    assert settings.values["StorageBackend"] == "sqlite"
    assert settings.values["Own"] == "x"
    assert settings.values["OnlyEnv"] == "y"
    assert settings.local_http_port == 7075


def test_a_relative_data_dir_is_relative_to_the_app_dir(tmp_path: Path) -> None:
    write_settings(tmp_path, {"Values": {"EmbeddedDataDir": "state/db"}})
    settings = load_app_settings(tmp_path, None, {})
    assert settings.values["EmbeddedDataDir"] == str((tmp_path / "state" / "db").resolve())
    absolute = load_app_settings(tmp_path, None, {"EmbeddedDataDir": "/srv/data"})
    assert absolute.values["EmbeddedDataDir"] == "/srv/data"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"Values": {"A": "1",}}', "not valid JSON"),
        ('["Values"]', "must hold a JSON object"),
        ('{"Values": {"Port": 7071}}', "'Port' must be a string"),
        ('{"Values": []}', "'Values' must be a JSON object"),
        ('{"IsEncrypted": true, "Values": {}}', "encrypted"),
    ],
)
def test_a_malformed_settings_file_is_a_clear_error(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write_settings(tmp_path, text)
    with pytest.raises(StartupError, match=rf"{path}.*{message}|{message}"):
        load_app_settings(tmp_path, None, {})


def test_a_named_settings_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match="does not exist"):
        load_app_settings(tmp_path, Path("other.settings.json"), {})
    (tmp_path / "other.settings.json").write_text('{"Values": {"A": "b"}}', encoding="utf-8")
    assert load_app_settings(tmp_path, Path("other.settings.json"), {}).values["A"] == "b"


def test_read_local_settings_returns_only_string_values(tmp_path: Path) -> None:
    path = write_settings(tmp_path, {"Values": {"A": "1"}, "ConnectionStrings": {"x": "y"}})
    assert read_local_settings(path).values == {"A": "1"}
