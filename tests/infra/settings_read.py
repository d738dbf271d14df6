"""The app settings the deployed code and the Functions host read, found in the code itself.

- Python: the first argument of ``settings.get/require/choice/integer(...)``, of
  ``self.<method>(...)`` inside ``class Settings``, of any helper called as
  ``helper(settings, NAME, ...)``, and of ``os.environ.get`` / ``os.getenv`` /
  ``os.environ[...]``, when it is a string or a module-level string constant (f-strings are the
  connection settings, listed by ``connection_names``).
- function.json: every ``%Name%`` and every ``connection`` (a setting name prefix).
"""

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

from tests.infra.bicep import ROOT
from tests.unit.test_function_config import FUNCTIONS, referenced_settings

_SETTINGS_METHODS = {"get", "require", "choice", "integer"}


def deployed_modules() -> list[Path]:
    """The Python files deployed with the app that may read settings."""
    files = sorted((ROOT / "shared").rglob("*.py"))
    for function in FUNCTIONS:
        files.extend(sorted(function.folder.glob("*.py")))
    return files


def settings_read_by_code() -> dict[str, list[str]]:
    """Setting name -> the modules that read it."""
    found: dict[str, list[str]] = {}
    for path in deployed_modules():
        module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(module_name)
        for name in _names_read(ast.parse(path.read_text(encoding="utf-8")), vars(module)):
            found.setdefault(name, []).append(module_name)
    return found


def _names_read(tree: ast.Module, namespace: dict[str, object]) -> Iterator[str]:
    in_settings = {
        id(node)
        for cls in ast.walk(tree)
        if isinstance(cls, ast.ClassDef) and cls.name == "Settings"
        for node in ast.walk(cls)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call | ast.Subscript):
            continue
        if isinstance(node, ast.Subscript):
            if _is_os_environ(node.value):
                yield from _constant(node.slice, namespace)
            continue
        func, args = node.func, node.args
        if isinstance(func, ast.Attribute) and args and _reads_setting(func, node, in_settings):
            yield from _constant(args[0], namespace)
        if (
            len(args) >= 2
            and isinstance(args[0], ast.Name)
            and args[0].id in ("settings", "_settings")
        ):
            yield from _constant(args[1], namespace)


def _reads_setting(func: ast.Attribute, call: ast.Call, in_settings: set[int]) -> bool:
    """Whether ``call`` reads the setting named by its first argument."""
    receiver = func.value
    receiver_name = receiver.id if isinstance(receiver, ast.Name) else None
    if func.attr in _SETTINGS_METHODS:
        if receiver_name in ("settings", "_settings"):
            return True
        if receiver_name == "self" and id(call) in in_settings:
            return True
    if func.attr == "get" and _is_os_environ(receiver):
        return True
    return func.attr == "getenv" and receiver_name == "os"


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _constant(node: ast.expr, namespace: dict[str, object]) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.Name) and isinstance(namespace.get(node.id), str):
        value = namespace[node.id]
        assert isinstance(value, str)
        yield value


def settings_read_by_bindings() -> dict[str, list[str]]:
    """``%Name%`` placeholders of every function.json: setting name -> functions."""
    found: dict[str, list[str]] = {}
    for function in FUNCTIONS:
        for name in referenced_settings(function.config):
            found.setdefault(name, []).append(function.name)
    return found


def binding_connections() -> dict[str, str]:
    """``connection`` of every binding: setting name prefix -> binding type."""
    return {
        binding["connection"]: binding["type"]
        for function in FUNCTIONS
        for binding in function.bindings
        if "connection" in binding
    }
