"""Load generators: wrk (C, two threads) for throughput, an aiohttp client for fixed request lists.

wrk keeps up with a minimal aiohttp server on this machine, so the ratios it gives measure the
server. The Python client measures what needs a fixed list of requests (each cart is submitted
once) or per-request timing; it reports its own CPU use, so a run shows whether the client, not
the server, was the limit (a client busy close to 100% of a core would be).
"""

import asyncio
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

CONNECTIONS = 16
WRK_THREADS = 2


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # from the server root: /api/products
    body: dict[str, object] | None = None


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    failures: int  # transport errors and answers with an unexpected status
    p50_ms: float
    p99_ms: float
    client_cpu: float | None  # the Python client's CPU use in cores; None for wrk

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# Each wrk thread walks the request list from its own offset; done() prints one JSON line.
_WRK_SCRIPT = """
local threads = 0
function setup(thread) thread:set("offset", threads * 7919); threads = threads + 1 end
function init(args)
  calls = {}
  for line in io.lines(args[1]) do
    local method, path, body = line:match("^(%S+) (%S+) ?(.*)$")
    if body == "" then body = nil end
    calls[#calls + 1] = wrk.format(method, path, {["Content-Type"] = "application/json"}, body)
  end
  n = offset or 0
end
function request()
  n = n + 1
  return calls[(n % #calls) + 1]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "non2xx": %d, "errors": %d, "p50": %f, "p99": %f}\\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


async def run_wrk(base_url: str, calls: Sequence[Call], seconds: float) -> LoadResult:
    """``wrk -c 16 -t 2`` over ``calls`` round robin for ``seconds``."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as directory:
        script = Path(directory) / "calls.lua"
        script.write_text(_WRK_SCRIPT, encoding="utf-8")
        listing = Path(directory) / "calls.txt"
        lines = (f"{c.method} {c.path} {_compact(c.body) if c.body else ''}\n" for c in calls)
        listing.write_text("".join(lines), encoding="utf-8")
        process = await asyncio.create_subprocess_exec(
            "wrk",
            f"-c{CONNECTIONS}",
            f"-t{WRK_THREADS}",
            f"-d{max(1, round(seconds))}s",
            "-s",
            str(script),
            base_url,
            "--",
            str(listing),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        output, _ = await process.communicate()
    text = output.decode(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("BENCH ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{text}")
    summary = json.loads(line.removeprefix("BENCH "))
    return LoadResult(
        requests=summary["requests"],
        seconds=summary["seconds"],
        failures=summary["non2xx"] + summary["errors"],
        p50_ms=summary["p50"],
        p99_ms=summary["p99"],
        client_cpu=None,
    )


@dataclass(frozen=True)
class Timed:
    """One request of a fixed list: when it was sent and answered (time.monotonic())."""

    sent: float
    answered: float
    status: int
    body: bytes


async def run_list(
    base_url: str, calls: Sequence[Call], *, expect: int, concurrency: int = CONNECTIONS
) -> tuple[LoadResult, list[Timed]]:
    """Each call once, ``concurrency`` at a time, closed loop."""
    pending = list(reversed(calls))
    timings: list[Timed] = []
    failures = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url, connector=connector) as session:

        async def worker() -> None:
            nonlocal failures
            while pending:
                call = pending.pop()
                sent = time.monotonic()
                try:
                    async with session.request(call.method, call.path, json=call.body) as answer:
                        body = await answer.read()
                        status = answer.status
                except aiohttp.ClientError:
                    status, body = 0, b""
                timings.append(Timed(sent, time.monotonic(), status, body))
                failures += status != expect

        cpu, wall = time.process_time(), time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    latencies = [t.answered - t.sent for t in timings]
    return (
        LoadResult(
            requests=len(timings),
            seconds=wall,
            failures=failures,
            p50_ms=percentile(latencies, 50) * 1000,
            p99_ms=percentile(latencies, 99) * 1000,
            client_cpu=cpu / wall if wall else None,
        ),
        timings,
    )


async def run_for(base_url: str, calls: Sequence[Call], seconds: float) -> LoadResult:
    """Throughput over ``calls`` round robin: wrk when installed, else the Python client."""
    if wrk_available():
        return await run_wrk(base_url, calls, seconds)
    # Without wrk: as many rounds of the list as fit in the time (the smoke run's path).
    deadline = time.monotonic() + seconds
    total: list[LoadResult] = []
    while time.monotonic() < deadline:
        result, _ = await run_list(base_url, calls, expect=200)
        total.append(result)
    return LoadResult(
        requests=sum(r.requests for r in total),
        seconds=sum(r.seconds for r in total),
        failures=sum(r.failures for r in total),
        p50_ms=statistics.median(r.p50_ms for r in total),
        p99_ms=max(r.p99_ms for r in total),
        client_cpu=max(r.client_cpu or 0.0 for r in total),
    )


def _compact(body: dict[str, object]) -> str:
    return json.dumps(body, separators=(",", ":"))


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]
