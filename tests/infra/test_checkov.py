"""checkov, an infrastructure-as-code scanner, over infra/: no failed check, every skip justified.

checkov lives in its own virtualenv (.venv-iac, made by `make test`): it pins about a hundred
packages that must not constrain the app's. Suppressions are `// checkov:skip=ID:reason`
comments inside the resource they concern.
"""

import json
import subprocess
from functools import cache
from typing import Any

import pytest

from tests.infra.bicep import INFRA, ROOT, all_resources

CHECKOV = ROOT / ".venv-iac" / "bin" / "checkov"

# Resource types checkov has Bicep checks for (none for Service Bus in this version): every file
# declaring one must show up in the scan.
SCANNED_TYPES = {
    "Microsoft.Storage/storageAccounts",
    "Microsoft.DocumentDB/databaseAccounts",
    "Microsoft.Web/sites",
}


@cache
def scan() -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: `make test` installs it (make .venv-iac/.installed)")
    completed = subprocess.run(
        [
            CHECKOV,
            "--directory",
            str(INFRA),
            "--framework",
            "bicep",
            "--output",
            "json",
            "--skip-download",
            "--compact",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr[-2000:]
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def test_checkov_parses_every_file_and_finds_nothing_unjustified() -> None:
    report = scan()
    summary, results = report["summary"], report["results"]
    assert summary["parsing_errors"] == 0, results.get("parsing_errors")
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for check in results["failed_checks"]
    ]
    assert failed == []
    assert summary["passed"] > 0


def test_every_suppressed_finding_is_justified_in_place() -> None:
    skipped = scan()["results"]["skipped_checks"]
    assert skipped, "expected the justified suppressions of infra/ to be reported"
    for check in skipped:
        reason = check.get("check_result", {}).get("suppress_comment", "")
        assert len(reason.split()) >= 5, f"{check['check_id']} on {check['resource']}: {reason!r}"


def test_the_scan_covers_every_file_with_scannable_resources() -> None:
    results = scan()["results"]
    scanned = {
        check["file_path"].lstrip("/")
        for kind in ("passed_checks", "failed_checks", "skipped_checks")
        for check in results[kind]
    }
    expected = {
        str(resource.file.relative_to(INFRA))
        for resource in all_resources()
        if resource.type in SCANNED_TYPES and not resource.existing
    }
    assert len(expected) == len(SCANNED_TYPES)
    assert expected <= scanned
