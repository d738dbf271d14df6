"""``python -m tests.bench [--baseline REF]``: measure the app against the machine's raw limits.

Starts the app's local host on the embedded backends (one process as ``make run`` does, then
separate web and worker processes), loads it from 127.0.0.1, measures the raw references in the
same run, and prints one table. With ``--baseline REF`` the app at that git ref (checked out in
a temporary worktree) is measured too, side by side. See docs/performance.md.
"""

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.app_runs import AppResults, Say, Sizes, measure
from tests.bench.load import Call, run_for, run_list, wrk_available
from tests.bench.references import raw_app, sqlite_orders_per_second
from tests.bench.report import References, format_table

REPO = Path(__file__).resolve().parents[2]


async def references(sizes: Sizes, synchronous: str, say: Say) -> References:
    say("raw references")
    async with raw_app() as base:
        get = await run_for(base, [Call("GET", "/api/products")], sizes.seconds)
        post = await run_for(base, [Call("POST", "/api/submit", {"id": "x"})], sizes.seconds)
        post_python, _ = await run_list(
            base,
            [Call("POST", "/api/submit", {"id": str(n)}) for n in range(sizes.orders)],
            expect=202,
        )
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as directory:
        loops = {
            mode: await asyncio.to_thread(
                sqlite_orders_per_second, Path(directory), mode, min(sizes.seconds, 2.0)
            )
            for mode in ("FULL", "NORMAL")
        }
    return References(
        get=get, post=post, post_python=post_python, sqlite=loops, synchronous=synchronous
    )


def app_synchronous(repo: Path) -> str:
    """The ``synchronous`` setting the app's SQLite connections run with (FULL if not set)."""
    source = (repo / "shared" / "adapters" / "sqlite_database.py").read_text(encoding="utf-8")
    for line in source.splitlines():
        if line.startswith("SYNCHRONOUS = "):
            return line.split("=", 1)[1].strip().strip("\"'")
    return "FULL"  # SQLite's default, also in WAL mode, when the app sets none


def baseline_python(tree: Path, directory: Path) -> str:
    """An interpreter with the baseline's own requirements: this one when they are the same,
    else a fresh virtualenv that uv fills from the baseline's requirements files (an older tree
    may need packages this one dropped, such as aiosqlite)."""
    names = ("requirements.txt", "requirements-dev.txt")
    if all((tree / n).read_bytes() == (REPO / n).read_bytes() for n in names):
        return sys.executable
    uv = str(Path(sys.executable).parent / "uv")  # installed into .venv by the Makefile
    venv = directory / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", python, "-r", "requirements-dev.txt"],
        cwd=tree,
        check=True,
    )
    return python


async def run(baseline: str | None, sizes: Sizes) -> str:
    say = Say()
    started = time.monotonic()
    synchronous = app_synchronous(REPO)
    refs = await references(sizes, synchronous, say)
    say(f"this tree ({REPO})")
    current = await measure(REPO, sizes, say)
    before: AppResults | None = None
    if baseline is not None:
        with tempfile.TemporaryDirectory(prefix="bench-baseline-") as directory:
            tree = Path(directory) / "tree"
            await asyncio.to_thread(
                subprocess.run,
                ["git", "worktree", "add", "--detach", "--quiet", str(tree), baseline],
                cwd=REPO,
                check=True,
            )
            try:
                say(f"baseline {baseline}")
                python = await asyncio.to_thread(baseline_python, tree, Path(directory))
                before = await measure(tree, sizes, say, python)
            finally:
                await asyncio.to_thread(
                    subprocess.run,
                    ["git", "worktree", "remove", "--force", str(tree)],
                    cwd=REPO,
                    check=False,
                )
    client = "wrk -c16 -t2" if wrk_available() else "Python client (wrk not installed)"
    return format_table(
        current,
        before,
        refs,
        baseline=baseline,
        client=client,
        seconds=time.monotonic() - started,
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--baseline", help="a git ref to measure side by side")
    parser.add_argument("--orders", type=int, default=Sizes.orders)
    parser.add_argument("--seconds", type=float, default=Sizes.seconds)
    arguments = parser.parse_args()
    sizes = Sizes(orders=arguments.orders, seconds=arguments.seconds)
    print(asyncio.run(run(arguments.baseline or None, sizes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
