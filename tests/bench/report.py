"""The bench's one table: the app (and its baseline) beside the raw references, with ratios."""

from collections.abc import Callable
from dataclasses import dataclass

from tests.bench.app_runs import AppResults
from tests.bench.load import LoadResult


@dataclass(frozen=True)
class References:
    get: LoadResult  # minimal aiohttp GET, under the throughput load generator
    post: LoadResult  # minimal aiohttp POST, under the throughput load generator
    post_python: LoadResult  # minimal aiohttp POST, under the Python client (as submit is)
    sqlite: dict[str, float]  # orders/s of the per-order transaction loop, by synchronous
    synchronous: str  # the app's setting


@dataclass(frozen=True)
class Row:
    label: str
    value: Callable[[AppResults], float | None]
    reference: str = ""
    reference_value: float | None = None


def rows(refs: References) -> list[Row]:
    sql = refs.sqlite[refs.synchronous]
    loop = f"SQLite loop, {refs.synchronous}"
    return [
        Row("GET products req/s", lambda r: _rate(r.products), "aiohttp GET", refs.get.per_second),
        Row("GET products p99 ms", lambda r: _p99(r.products), "aiohttp GET", refs.get.p99_ms),
        Row("GET one cart req/s", lambda r: _rate(r.get_cart), "aiohttp GET", refs.get.per_second),
        Row("GET one cart p99 ms", lambda r: _p99(r.get_cart), "aiohttp GET", refs.get.p99_ms),
        Row(
            "POST add item req/s", lambda r: _rate(r.add_item), "aiohttp POST", refs.post.per_second
        ),
        Row("POST add item p99 ms", lambda r: _p99(r.add_item), "aiohttp POST", refs.post.p99_ms),
        Row(
            "POST submit req/s",
            lambda r: _rate(r.submit),
            "aiohttp POST (py)",
            refs.post_python.per_second,
        ),
        Row(
            "POST submit p50 ms",
            lambda r: r.submit.p50_ms if r.submit else None,
            "aiohttp POST (py)",
            refs.post_python.p50_ms,
        ),
        Row(
            "POST submit p99 ms",
            lambda r: _p99(r.submit),
            "aiohttp POST (py)",
            refs.post_python.p99_ms,
        ),
        Row("end to end orders/s, 1 process", lambda r: r.end_to_end, loop, sql),
        Row("end to end orders/s, web+worker", lambda r: r.end_to_end_two, loop, sql),
        Row("backlog drain orders/s", lambda r: r.drain, loop, sql),
        Row("submit p50 ms, 1 at a time, 1 proc", lambda r: _lat(r, 1, placed=False)),
        Row("submit->placed p50 ms, 1 process", lambda r: _lat(r, 1, placed=True)),
        Row("submit p50 ms, 1 at a time, web+worker", lambda r: _lat(r, 2, placed=False)),
        Row("submit->placed p50 ms, web+worker", lambda r: _lat(r, 2, placed=True)),
        Row("import azure.functions ms", lambda r: r.import_functions_ms),
        Row("import HttpSubmitOrder ms", lambda r: r.import_ms),
        Row("idle commits in 3 s", lambda r: r.idle_commits),
    ]


def format_table(
    current: AppResults,
    before: AppResults | None,
    refs: References,
    *,
    baseline: str | None,
    client: str,
    seconds: float,
) -> str:
    header = ["measurement", "this tree"]
    if before is not None:
        header += [f"baseline {baseline}", "x baseline"]
    header += ["reference", "value", "x ref"]
    lines = [header]
    for row in rows(refs):
        now = row.value(current)
        cells = [row.label, _fmt(now)]
        if before is not None:
            then = row.value(before)
            cells += [_fmt(then), _ratio(now, then)]
        cells += [row.reference, _fmt(row.reference_value), _ratio(now, row.reference_value)]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "| "
        + " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        + " |"
        for line in lines
    ]
    text.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    ratios = (
        "submit->placed / submit p50: "
        + ", ".join(
            f"{name} {_ratio(_lat(r, n, placed=True), _lat(r, n, placed=False))}"
            for name, r in (("this", current), ("baseline", before))
            if r is not None
            for n in (1, 2)
        )
        + " (1 process, then web+worker)"
    )
    imports = ", ".join(
        f"{name} {_ratio(r.import_ms, r.import_functions_ms)}"
        for name, r in (("this", current), ("baseline", before))
        if r is not None
    )
    sqlite = ", ".join(f"{mode} {value:,.0f}" for mode, value in refs.sqlite.items())
    cpu = current.submit.client_cpu if current.submit else None
    notes = [
        ratios,
        f"import HttpSubmitOrder / import azure.functions: {imports}",
        f"SQLite per-order loop (6 write transactions) orders/s: {sqlite}; the app runs"
        f" synchronous={refs.synchronous}",
        f"throughput load: {client}; submits: Python client, 16 connections, each cart once"
        f" (client CPU {_fmt(cpu)} cores during the submits)",
        f"bench took {seconds:.0f} s",
    ]
    return "\n".join([*text, "", *notes])


def _rate(result: LoadResult | None) -> float | None:
    if result is None:
        return None
    if result.failures:
        raise RuntimeError(f"{result.failures} requests failed or answered an unexpected status")
    return result.per_second


def _p99(result: LoadResult | None) -> float | None:
    return result.p99_ms if result else None


def _lat(results: AppResults, processes: int, *, placed: bool) -> float | None:
    latency = results.latency_one if processes == 1 else results.latency_two
    if latency is None:
        return None
    return latency.placed_p50_ms if placed else latency.submit_p50_ms


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) or value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _ratio(value: float | None, reference: float | None) -> str:
    if value is None or not reference:
        return "-"
    return f"{value / reference:.2f}x"
