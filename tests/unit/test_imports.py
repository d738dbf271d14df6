"""What the application's layers may import: the use cases know nothing of fault injection."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted((ROOT / "shared" / "services").glob("*.py"))
FAULT_MODULES = ("shared.faults", "shared.faulty_ports")


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
