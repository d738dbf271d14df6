"""The OpenAPI description: valid OpenAPI 3.1, and it describes every HTTP function."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from shared.api.openapi import build_openapi_document, http_functions, openapi_document
from shared.api.problem_types import ALL_PROBLEM_TYPES

APP_ROOT = Path(__file__).resolve().parents[4]


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for path_item in document["paths"].values()
        for operation in path_item.values()
    }


def test_the_description_is_valid_openapi_3_1() -> None:
    document = openapi_document()

    validate(document)  # type: ignore[arg-type]
    assert document["openapi"].startswith("3.1.")


def test_every_reference_resolves() -> None:
    document = openapi_document()
    references = set(re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(document)))
    unresolved = []
    for reference in sorted(references):
        node: Any = document
        for part in reference.split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            unresolved.append(reference)
    assert references
    assert unresolved == []


def test_every_http_function_route_and_method_is_described() -> None:
    document = openapi_document()
    undescribed = [
        f"{function.name}: {method.upper()} {function.path}"
        for function in http_functions(APP_ROOT)
        # A catch-all route ({*path}) answers paths no operation has; it is no operation.
        if "{*" not in function.route
        for method in function.methods or ("(every method)",)
        if method not in document["paths"].get(function.path, {})
    ]
    assert undescribed == [], "describe these in shared/api/operations.py"


def test_an_http_function_missing_from_the_catalogue_is_caught(tmp_path: Path) -> None:
    # The check above is only worth something if a new function makes it fail.
    new = tmp_path / "GetLoyaltyPoints"
    new.mkdir()
    trigger = {"type": "httpTrigger", "name": "req", "methods": ["get"], "route": "points"}
    (new / "function.json").write_text(json.dumps({"bindings": [trigger]}), encoding="utf-8")

    assert [f.name for f in http_functions(tmp_path)] == ["GetLoyaltyPoints"]
    assert "/api/points" not in build_openapi_document(tmp_path)["paths"]


def test_every_problem_type_is_described() -> None:
    text = json.dumps(openapi_document())
    assert [p.uri for p in ALL_PROBLEM_TYPES if p.uri not in text] == []


@pytest.mark.parametrize(
    ("source", "link", "target"),
    [
        ("createShoppingCart", "AddCartItem", "addCartItem"),
        ("addCartItem", "SubmitOrder", "submitOrder"),
        ("submitOrder", "GetOrder", "getOrder"),
    ],
)
def test_links_lead_from_a_new_cart_to_its_order(source: str, link: str, target: str) -> None:
    described = operations(openapi_document())
    responses = described[source]["responses"]
    success = next(response for status, response in responses.items() if status.startswith("2"))
    assert success["links"][link]["operationId"] == target
    assert target in described


def test_every_link_names_an_operation_and_its_parameters() -> None:
    described = operations(openapi_document())
    for operation in described.values():
        for response in operation["responses"].values():
            for link in response.get("links", {}).values():
                target = described[link["operationId"]]
                names = {f"{p['in']}.{p['name']}" for p in target.get("parameters", [])}
                assert set(link["parameters"]) <= names, link
