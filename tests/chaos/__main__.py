"""``python -m tests.chaos [--orders N] [--modes a,b] ...``: run the chaos proof, print counts.

Exit status 0 when every mode lost, duplicated and invented nothing, no request was answered
with a 5xx, and the poison store and dead-letter queue hold exactly the injected poison
messages; 1 otherwise (the work directories of failed modes are kept for their logs).
"""

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from tests.chaos.harness import MODES, ChaosRun, RunOptions, RunResult
from tests.chaos.report import format_table, problems
from tools.arguments import bounded_int

LEGEND = (
    "accepted = 202s/submits sent; placed = orders in the store; 5xx = server error answers "
    "(any fails the run);\npoison = injected, stored = in the poison store; "
    "sendfail/hfail/delay/crash/kill = faults that fired;\nrestarts = web (w) and worker (k) "
    "restarts; redeliv = deliveries that found the order already placed."
)


async def run_all(modes: list[str], options: RunOptions, keep: bool) -> list[RunResult | str]:
    """Each mode's result, or why the mode could not be run at all."""
    results: list[RunResult | str] = []
    for name in modes:
        workdir = Path(tempfile.mkdtemp(prefix=f"chaos-{name}-"))
        print(f"-- {name}: {options.orders} orders ({workdir})", flush=True)
        try:
            result = await ChaosRun(MODES[name], options, workdir).run()
        except Exception as error:  # one broken mode must not hide the others' counts
            print(f"   ERROR: {type(error).__name__}: {error}", flush=True)
            results.append(f"{name}: {type(error).__name__} (logs in {workdir})")
            continue
        results.append(result)
        for problem in problems(result):
            print(f"   FAIL: {problem}", flush=True)
        if result.ok and not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--orders", type=bounded_int(1, 1_000_000), default=500)
    parser.add_argument("--modes", default=",".join(MODES), help=", ".join(MODES))
    parser.add_argument("--concurrency", type=bounded_int(1, 1024), default=16)
    parser.add_argument("--poison", type=bounded_int(0, 1_000_000), default=12)
    parser.add_argument("--seed", type=bounded_int(0, 2**32 - 1), default=1)
    parser.add_argument("--keep", action="store_true", help="keep the work directories")
    arguments = parser.parse_args()
    modes = [m.strip() for m in arguments.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(unknown)}; known: {', '.join(MODES)}")
    options = RunOptions(
        orders=arguments.orders,
        concurrency=arguments.concurrency,
        poison=arguments.poison,
        seed=arguments.seed,
    )
    outcomes = asyncio.run(run_all(modes, options, arguments.keep))
    results = [outcome for outcome in outcomes if isinstance(outcome, RunResult)]
    errors = [outcome for outcome in outcomes if isinstance(outcome, str)]
    print()
    print(format_table(results))
    print(LEGEND)
    for error in errors:
        print(f"NOT RUN: {error}")
    return 0 if not errors and all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
