"""shared/api/routes.py: the app's HTTP routes as its function.json files declare them, read
and matched as the local host's router reads and matches them."""

import pytest

from local_host.routing import Route, Router
from shared.api.http import ROUTE_PREFIX
from shared.api.route_template import RouteTemplate, RouteTemplateError, decode_path, split_path
from shared.api.routes import APP_DIR, allowed_methods, declared_routes, http_triggers, read_routes

CATCH_ALL = "ZzzUnmatchedRoute"


def test_the_route_table_holds_every_http_function_but_the_catch_all() -> None:
    names = {route.function for route in declared_routes()}
    folders = {
        path.parent.name
        for path in APP_DIR.glob("*/function.json")
        if '"httpTrigger"' in path.read_text(encoding="utf-8")
    }
    assert names == folders - {CATCH_ALL}
    products = next(route for route in read_routes(APP_DIR) if route.template.text == "products")
    assert products.methods == frozenset({"GET"})


def test_route_templates_match_as_the_host_matches_them() -> None:
    template = RouteTemplate.parse("customers/{customer}/carts/{cartId}")

    def values(raw_path: str) -> dict[str, str] | None:
        return template.match(split_path(decode_path(raw_path)))

    assert values("customers/anna/carts/123") == {"customer": "anna", "cartId": "123"}
    assert values("/CUSTOMERS/anna/Carts/123/") == {"customer": "anna", "cartId": "123"}
    assert values("customers/J%C3%B3zef%2Fk/carts/1") == {"customer": "Józef%2Fk", "cartId": "1"}
    assert values("customers/anna/carts") is None
    assert values("customers/anna/carts/1/items") is None
    assert values("customers//carts/123") is None
    # Literals fold ASCII letters only: the long s (U+017F) is not an "s" here.
    assert values("customers/anna/cart\u017f/123") is None


@pytest.mark.parametrize(
    "template",
    ["carts/{cartId:guid}", "carts/{cartId?}", "pages/{page=1}", "files/{name}.{ext}", "a//b"],
)
def test_route_syntax_the_app_does_not_use_is_refused(template: str) -> None:
    with pytest.raises(RouteTemplateError):
        RouteTemplate.parse(template)


def app_router() -> Router[str]:
    """The local host's router over the app's routes, in its order (by function name)."""
    triggers = sorted(http_triggers(), key=lambda t: (t.function.lower(), t.function))
    return Router(
        Route(
            template=RouteTemplate.parse(f"{ROUTE_PREFIX}/{trigger.route}"),
            methods=frozenset(m.upper() for m in trigger.methods),
            target=trigger.function,
        )
        for trigger in triggers
    )


@pytest.mark.parametrize(
    "raw_path",
    [
        "/api/customers/anna/carts",
        "/api/customers/anna/carts/",
        "/API/Customers/anna/CARTS",
        "/api/customers/a%2Fb/carts",
        "/api/customers/a%2fb%2Fc/carts/1",
        "/api/customers/a/b/carts",
        "/api/customers//carts",
        "/api//customers/anna/carts",
        "/api/customers/anna/cart%C5%BF",
        "/api/customers/anna/carts/%31/submit",
        "/api/pr%6Fducts",
        "/api/products/x",
        "/api/no/such/thing",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_the_catch_all_table_and_the_local_host_router_agree(raw_path: str, method: str) -> None:
    # A request the router gives the catch-all is one no route took: the table must not offer
    # this method there (or the catch-all would answer 404 for a served route), and every
    # method it offers in Allow must reach a route other than the catch-all.
    router = app_router()
    resolved = router.resolve(raw_path, method)
    assert resolved is not None  # the catch-all takes everything else
    if resolved.target != CATCH_ALL:
        return
    allowed = allowed_methods(declared_routes(), resolved.route_params["path"])
    assert allowed is None or (allowed and method not in allowed)
    for other in allowed or ():
        answer = router.resolve(raw_path, other)
        assert answer is not None
        assert answer.target != CATCH_ALL


def test_the_catch_all_sorts_after_every_other_http_function_however_names_compare() -> None:
    # The host tries routes in name order; the catch-all must come last under an ordinal and
    # under a case-insensitive comparison alike.
    others = [route.function for route in declared_routes()]
    assert all(name < CATCH_ALL for name in others)
    assert all(name.lower() < CATCH_ALL.lower() for name in others)
