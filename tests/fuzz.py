"""`make fuzz`: a longer Schemathesis campaign against a fresh local host; prints its totals.

python -m tests.fuzz [--max-examples N] [--seed S]
"""

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.conftest import HostProcess, embedded_host_settings
from tests.e2e.schemathesis_run import Campaign, run_schemathesis
from tools.arguments import bounded_int

_TOTALS = re.compile(r"^\s*(\d+) generated, (.*)$", re.MULTILINE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--max-examples", type=bounded_int(1, 100_000), default=300)
    parser.add_argument("--seed", type=bounded_int(0, 2**32 - 1), default=1)
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as data_dir:
        host = HostProcess(settings=embedded_host_settings(Path(data_dir)))
        host.start()
        try:
            assert host.base_url is not None
            started = time.monotonic()
            campaign = Campaign(max_examples=arguments.max_examples, seed=arguments.seed)
            result = run_schemathesis(host.base_url, campaign)
            elapsed = time.monotonic() - started
        finally:
            host.stop()
    print(result.stdout, result.stderr, sep="", end="")
    totals = _TOTALS.search(result.stdout)
    outcome = f"{totals[1]} test cases generated, {totals[2]}" if totals else "no totals printed"
    print(
        f"\nFuzz campaign: seed {arguments.seed}, up to {arguments.max_examples} examples per"
        f" operation and phase, {elapsed:.0f} s: {outcome}; exit status {result.returncode}."
    )
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
