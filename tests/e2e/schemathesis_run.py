"""Schemathesis against a running local host: every check, the links followed statefully.

The pinned schemathesis CLI reads schemathesis.toml from the repository root (what a
schema-valid request may still be refused with, and which links stateful runs follow).
"""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@dataclass(frozen=True)
class Campaign:
    max_examples: int
    seed: int = 1
    # Requests one at a time: the run is reproducible from its seed, and other work goes on.
    workers: int = 1


def run_schemathesis(base_url: str, campaign: Campaign) -> subprocess.CompletedProcess[str]:
    """Run every phase (coverage, fuzzing, stateful) with every check; the CLI's output."""
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{base_url}/api/openapi.json",
            "--seed",
            str(campaign.seed),
            "--max-examples",
            str(campaign.max_examples),
            "--workers",
            str(campaign.workers),
            "--request-timeout",
            "30",
            "--checks",
            "all",
        ],
        cwd=REPO_ROOT,
        env={"NO_COLOR": "1", "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        check=False,
    )
