"""shared/api/routes.py: the app's HTTP routes as its function.json files declare them."""

import pytest

from shared.api.routes import APP_DIR, declared_routes, read_routes, template_pattern


def test_the_route_table_holds_every_http_function_but_the_catch_all() -> None:
    names = {route.function for route in declared_routes()}
    folders = {
        path.parent.name
        for path in APP_DIR.glob("*/function.json")
        if '"httpTrigger"' in path.read_text(encoding="utf-8")
    }
    assert names == folders - {"ZzzUnmatchedRoute"}
    products = next(route for route in read_routes(APP_DIR) if route.template == "products")
    assert products.methods == frozenset({"GET"})


def test_route_templates_match_as_the_host_matches_them() -> None:
    pattern = template_pattern("customers/{customer}/carts/{cartId}")
    assert pattern.fullmatch("customers/anna/carts/123")
    assert pattern.fullmatch("CUSTOMERS/anna/Carts/123")
    assert not pattern.fullmatch("customers/anna/carts")
    assert not pattern.fullmatch("customers/anna/carts/1/items")
    assert not pattern.fullmatch("customers//carts/123")
    # Literals fold ASCII letters only: the long s (U+017F) is not an "s" here.
    assert not pattern.fullmatch("customers/anna/cart\u017f/123")


@pytest.mark.parametrize(
    "template",
    ["carts/{cartId:guid}", "carts/{cartId?}", "pages/{page=1}", "files/{name}.{ext}", "a//b"],
)
def test_route_syntax_the_app_does_not_use_is_refused(template: str) -> None:
    with pytest.raises(ValueError, match="only route syntax"):
        template_pattern(template)


def test_the_catch_all_sorts_after_every_other_http_function_however_names_compare() -> None:
    # The host tries routes in name order; the catch-all must come last under an ordinal and
    # under a case-insensitive comparison alike.
    others = [route.function for route in declared_routes()]
    assert all(name < "ZzzUnmatchedRoute" for name in others)
    assert all(name.lower() < "zzzunmatchedroute" for name in others)
