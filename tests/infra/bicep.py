"""The Bicep template under infra/, parsed with pycep-parser, and ways to read it in tests.

pycep turns a Bicep file into JSON-like dicts. Two quirks matter here: a string literal and a
reference to a variable or parameter both come out as a plain string (``'cosmos'`` and
``cosmos`` alike), and string interpolations stay as text (``'https://${host}/api'``).
``Template.value`` resolves a plain string that names a variable of the same file, which is
how every setting value here is written.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MAIN = INFRA / "main.bicep"


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


@cache
def parser() -> BicepParser:
    """One parser for the run: building its grammar takes seconds."""
    return BicepParser()


@cache
def parse(path: Path) -> dict[str, Any]:
    # pycep's BicepJson is a TypedDict; tests read it as plain JSON.
    return dict(parser().parse(file_path=path))


@dataclass(frozen=True)
class Resource:
    file: Path
    symbol: str
    type: str
    existing: bool
    config: dict[str, Any]

    @property
    def properties(self) -> dict[str, Any]:
        properties: dict[str, Any] = self.config.get("properties", {})
        return properties


@dataclass(frozen=True)
class Template:
    """One parsed Bicep file."""

    path: Path

    @property
    def document(self) -> dict[str, Any]:
        return parse(self.path)

    def variable(self, name: str) -> Any:
        return self.document["variables"][name]["value"]

    def value(self, raw: Any) -> Any:
        """``raw`` with a bare variable name replaced by the variable's value."""
        variables = self.document.get("variables", {})
        if isinstance(raw, str) and raw in variables:
            return self.value(variables[raw]["value"])
        return raw

    def resources(self) -> Iterator[Resource]:
        for symbol, resource in self.document.get("resources", {}).items():
            config = resource["config"]
            # A resource loop nests its body: {"loop_type": ..., "config": {...}}.
            if "loop_type" in config:
                config = config["config"]
            yield Resource(self.path, symbol, resource["type"], resource["existing"], config)

    def module(self, symbol: str) -> dict[str, Any]:
        module: dict[str, Any] = self.document["modules"][symbol]
        return module

    def module_template(self, symbol: str) -> "Template":
        return Template((self.path.parent / self.module(symbol)["detail"]["path"]).resolve())

    def module_params(self, symbol: str) -> dict[str, Any]:
        params: dict[str, Any] = self.module(symbol)["config"]["params"]
        return params


def main() -> Template:
    return Template(MAIN)


def all_resources() -> list[Resource]:
    return [resource for path in bicep_files() for resource in Template(path).resources()]


def resources_of_type(resource_type: str) -> list[Resource]:
    return [r for r in all_resources() if r.type == resource_type and not r.existing]


def the_resource(resource_type: str) -> Resource:
    [resource] = resources_of_type(resource_type)
    return resource


def app_settings() -> dict[str, Any]:
    """Every app setting of the function app: the name and the value as written in Bicep.

    The ``appsettings`` config of api.bicep is ``union(...)`` of its ``appSettings`` parameter
    (filled in by main.bicep) and its own variables; values are resolved in the file that
    writes them.
    """
    app_module = main().module_template("api")
    [config] = [
        r
        for r in app_module.resources()
        if r.type == "Microsoft.Web/sites/config" and r.config["name"] == "appsettings"
    ]
    union = config.properties["function"]
    assert union["type"] == "union", json.dumps(union)
    settings: dict[str, Any] = {}
    for argument in union["parameters"].values():
        if argument in app_module.document.get("parameters", {}):
            written_in, values = main(), main().module_params("api")[argument]
        else:
            written_in, values = app_module, app_module.variable(argument)
        for name, raw in values.items():
            assert name not in settings, f"app setting {name} is set twice"
            settings[name] = written_in.value(raw)
    return settings


def walk(node: Any) -> Iterator[Any]:
    """Every dict, list and scalar in a parsed document, depth first."""
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from walk(child)
