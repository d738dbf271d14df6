"""The OpenAPI 3.1 description of the HTTP API, generated from the code that serves it.

* which operations exist, their methods and routes: the function folders' function.json;
* path parameters: the patterns the endpoints validate them with (shared/api/validation.py);
* request and response bodies: the pydantic models the endpoints parse and serialise with;
* problem types: the catalogue the endpoints refuse with (shared/api/problem_types.py);
* what only people can say (summaries, which responses, links): shared/api/operations.py.

An HTTP function without an entry in operations.py is left out; a test fails on it.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.api.http import JSON, PROBLEM_JSON, ROUTE_PREFIX
from shared.api.operations import OPERATIONS, Operation, Success
from shared.api.problem_types import ALL_PROBLEM_TYPES, ProblemType
from shared.api.routes import APP_DIR, http_triggers
from shared.api.validation import CORRELATION_ID_PATTERN, PATH_PARAMETER_SCHEMAS
from shared.domain.cart import ShoppingCart

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
APP_ROOT = APP_DIR
_SCHEMAS = "#/components/schemas/"
ModelKey = tuple[type[BaseModel], JsonSchemaMode]
# {name}, {name:constraint}, {name?} and {name=default}: the route parameter's name.
_ROUTE_PARAMETER = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)[^}]*\}")

HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The cart's version; send it back in If-Match to change only this version.",
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "The URL of the created or accepted resource.",
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "Retry-After": {
        "description": "Seconds to wait before asking again.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "X-Correlation-Id": {
        "description": "The correlation id the order travels under: the request's own if it"
        " sent a well-formed one, else a new one.",
        "schema": {"type": "string", "pattern": f"^{CORRELATION_ID_PATTERN.pattern}$"},
    },
    "Cache-Control": {
        "description": "Whether and how long the answer may be cached.",
        "schema": {"type": "string"},
    },
    "WWW-Authenticate": {
        "description": "How to authenticate: sign in through App Service authentication.",
        "schema": {"type": "string"},
    },
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {
            "type": "string",
            "format": "uri-reference",
            "description": "The problem type: one of this API's (see each response) or"
            " about:blank for a refusal by the host itself.",
            "examples": [problem.uri for problem in ALL_PROBLEM_TYPES],
        },
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "For invalid-body: each field that does not match.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


@dataclass(frozen=True)
class HttpFunction:
    """An HTTP-triggered function as its function.json declares it."""

    name: str
    methods: tuple[str, ...]
    route: str

    @property
    def path(self) -> str:
        """The OpenAPI path: the route under the prefix, parameters without constraints."""
        bare = _ROUTE_PARAMETER.sub(lambda found: "{" + found[1] + "}", self.route.strip("/"))
        return f"{ROUTE_PREFIX}/{bare}"

    @property
    def parameter_names(self) -> list[str]:
        return _ROUTE_PARAMETER.findall(self.route)


def http_functions(app_root: Path = APP_ROOT) -> Iterator[HttpFunction]:
    """Every HTTP-triggered function of the app, by folder name."""
    for trigger in http_triggers(app_root):
        methods = tuple(m.lower() for m in trigger.methods)
        yield HttpFunction(trigger.function, methods, trigger.route)


@cache
def openapi_document() -> dict[str, Any]:
    """The description, built once per process."""
    return build_openapi_document(APP_ROOT)


def build_openapi_document(app_root: Path) -> dict[str, Any]:
    schemas, refs = _component_schemas()
    paths: dict[str, dict[str, Any]] = {}
    for function in http_functions(app_root):
        operation = OPERATIONS.get(function.name)
        if operation is None:
            continue
        for method in function.methods:
            paths.setdefault(function.path, {})[method] = _operation(function, operation, refs)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Pierogi shop ordering API",
            "version": API_VERSION,
            "description": "Shopping carts, orders and the menu. Errors are RFC 9457 problem"
            " documents (application/problem+json).",
        },
        "paths": paths,
        "components": {"schemas": schemas, "headers": HEADERS},
    }


def _operation(
    function: HttpFunction, operation: Operation, refs: dict[ModelKey, dict[str, Any]]
) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETER_SCHEMAS[name]}
        for name in function.parameter_names
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": schema, "description": text}
        for name, (schema, text) in operation.query.items()
    ]
    if operation.if_match:
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": "Change the cart only if its ETag is one of these (or *).",
                "schema": {"type": "string"},
            }
        )
    if operation.correlation_id:
        parameters.append(
            {
                "name": "X-Correlation-Id",
                "in": "header",
                "required": False,
                "description": "Carried with the order; a malformed one is replaced.",
                "schema": {"type": "string"},
            }
        )
    described: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
        "x-function-name": function.name,
        "responses": {
            **{str(s): _success(success, refs) for s, success in operation.successes.items()},
            **_problem_responses(operation.problems),
        },
    }
    if parameters:
        described["parameters"] = parameters
    if operation.request_body is not None:
        described["requestBody"] = {
            "required": operation.body_required,
            "content": {JSON: {"schema": refs[(operation.request_body, "validation")]}},
        }
    return described


def _success(success: Success, refs: dict[ModelKey, dict[str, Any]]) -> dict[str, Any]:
    response: dict[str, Any] = {"description": success.description}
    if success.model is not None:
        schema = refs[(success.model, "serialization")]
        if success.many:
            schema = {"type": "array", "items": schema}
        response["content"] = {JSON: {"schema": schema}}
    else:
        response["content"] = {JSON: {"schema": {"type": "object"}}}
    if success.headers:
        response["headers"] = {
            name: {"$ref": f"#/components/headers/{name}"} for name in success.headers
        }
    if success.links:
        response["links"] = {
            name: {"operationId": target, "parameters": dict(parameters)}
            for name, (target, parameters) in success.links.items()
        }
    return response


def _problem_responses(problems: tuple[ProblemType, ...]) -> dict[str, Any]:
    """One response per status: the operation's problem types at that status, and the host's.

    Every operation may also meet the host's own refusals (about:blank): 404 for a path that
    matches no route (a malformed value can make one), 405 for another method.
    """
    by_status: dict[int, list[ProblemType]] = {404: [], 405: []}
    for problem in problems:
        by_status.setdefault(problem.status, []).append(problem)
    responses: dict[str, Any] = {}
    for status in sorted(by_status):
        types = by_status[status]
        lines = [f"- `{p.uri}`: {p.description}" for p in types]
        if status in (404, 405):
            lines.append("- `about:blank`: no operation at this path and method.")
        response: dict[str, Any] = {
            "description": "\n".join(["Problem types:", *lines]),
            "content": {PROBLEM_JSON: {"schema": {"$ref": f"{_SCHEMAS}Problem"}}},
        }
        headers = sorted({name for problem in types for name in problem.headers})
        if headers:
            response["headers"] = {
                name: {"$ref": f"#/components/headers/{name}"} for name in headers
            }
        responses[str(status)] = response
    return responses


def _component_schemas() -> tuple[dict[str, Any], dict[ModelKey, dict[str, Any]]]:
    """JSON Schemas of every model in operations.py (requests as parsed, responses as sent),
    and the reference to each."""
    models: dict[ModelKey, None] = {}
    for operation in OPERATIONS.values():
        if operation.request_body is not None:
            models[(operation.request_body, "validation")] = None
        for success in operation.successes.values():
            if success.model is not None:
                models[(success.model, "serialization")] = None
    refs, top = models_json_schema(list(models), by_alias=True, ref_template=_SCHEMAS + "{model}")
    schemas: dict[str, Any] = top.get("$defs", {})
    for name, schema in schemas.items():
        if name.startswith(ShoppingCart.__name__):
            for hidden in ShoppingCart.HIDDEN_FROM_API:
                # to_api() leaves these out; on the wire fields have their camelCase alias.
                wire = ShoppingCart.model_fields[hidden].alias or hidden
                schema["properties"].pop(wire, None)
                schema["required"] = [n for n in schema.get("required", []) if n != wire]
    schemas["Problem"] = PROBLEM_SCHEMA
    roots = [ref["$ref"] for ref in refs.values()] + [f"{_SCHEMAS}Problem"]
    return _reachable(schemas, roots), {
        (cast(type[BaseModel], model), mode): ref for (model, mode), ref in refs.items()
    }


def _reachable(schemas: dict[str, Any], roots: list[str]) -> dict[str, Any]:
    """Only the schemas something refers to: hiding a field can orphan its model's schema."""
    seen: set[str] = set()
    pending = [root.removeprefix(_SCHEMAS) for root in roots]
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending += re.findall(rf'"{re.escape(_SCHEMAS)}([^"]+)"', json.dumps(schemas[name]))
    return {name: schema for name, schema in schemas.items() if name in seen}
