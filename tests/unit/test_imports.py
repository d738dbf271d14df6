"""What the application's layers may import.

The use cases know nothing of fault injection. Importing a function module loads none of the
application's weight: the Python worker imports every function module before the first
invocation, so each one costs about ``import azure.functions`` alone (``make bench`` measures
it); the composition root, its services, models and adapters load on the first invocation.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted((ROOT / "shared" / "services").glob("*.py"))
FAULT_MODULES = ("shared.faults", "shared.faulty_ports")
FUNCTION_FOLDERS = sorted(path.parent.name for path in ROOT.glob("*/function.json"))
# The packages whose import costs most, and which no function module needs until it is called.
DEFERRED_PACKAGES = (
    "pydantic",
    "pydantic_core",
    "sqlite3",
    "azure.cosmos",
    "azure.servicebus",
    "azure.identity",
    "opentelemetry",
)
# Run in a fresh interpreter: imports each module in turn and prints, per module, the deferred
# packages that its import loaded (modules are only ever added to sys.modules, so a package
# one of them needs appears against the first that loads it).
LOADED_BY_EACH = """
import importlib, json, sys
deferred = tuple(sys.argv[1].split(","))
loaded = {}
for name in sys.argv[2:]:
    before = set(sys.modules)
    importlib.import_module(name)
    loaded[name] = sorted(
        m for m in set(sys.modules) - before if m in deferred or m.startswith(
            tuple(package + "." for package in deferred)
        )
    )
print(json.dumps(loaded))
"""


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.name)
def test_no_use_case_imports_fault_injection(path: Path) -> None:
    faulty = {m for m in imported_modules(path) if m.startswith(FAULT_MODULES)}
    assert not faulty, f"{path.name} imports {sorted(faulty)}: faults wrap the ports instead"


def test_the_check_sees_an_import_of_faults(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("from shared import faults\nfrom shared.faults import InjectedFault\n")
    assert {"shared.faults", "shared.faults.InjectedFault"} <= imported_modules(module)


def deferred_packages_loaded(modules: list[str], cwd: Path) -> dict[str, list[str]]:
    """What importing each of ``modules`` (from ``cwd``, in a fresh interpreter) loads too soon."""
    output = subprocess.run(
        [sys.executable, "-c", LOADED_BY_EACH, ",".join(DEFERRED_PACKAGES), *modules],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    loaded: dict[str, list[str]] = json.loads(output)
    return loaded


def test_importing_a_function_module_loads_no_deferred_package() -> None:
    loaded = deferred_packages_loaded(FUNCTION_FOLDERS, ROOT)
    assert list(loaded) == FUNCTION_FOLDERS
    too_soon = {name: modules for name, modules in loaded.items() if modules}
    assert not too_soon, f"imported with the function module, not on its first call: {too_soon}"


def test_the_check_sees_a_function_module_that_imports_pydantic(tmp_path: Path) -> None:
    (tmp_path / "Eager").mkdir()
    (tmp_path / "Eager" / "__init__.py").write_text("import pydantic.fields\n")
    (tmp_path / "Light").mkdir()
    (tmp_path / "Light" / "__init__.py").write_text("import json\n")
    loaded = deferred_packages_loaded(["Light", "Eager"], tmp_path)
    assert loaded["Light"] == []
    assert {"pydantic", "pydantic.fields", "pydantic_core"} <= set(loaded["Eager"])
