"""The table of counts a chaos run prints."""

from collections.abc import Sequence

from tests.chaos.harness import RunResult

COLUMNS = (
    ("mode", 23),
    ("accepted", 8),
    ("placed", 6),
    ("lost", 4),
    ("dup", 3),
    ("unexp", 5),
    ("5xx", 3),
    ("poison", 6),
    ("stored", 6),
    ("dlq", 3),
    ("sendfail", 8),
    ("hfail", 5),
    ("delay", 5),
    ("crash", 5),
    ("kill", 4),
    ("restarts", 8),
    ("redeliv", 7),
    ("secs", 5),
    ("verdict", 7),
)


def row(result: RunResult) -> list[str]:
    v, logs = result.verdict, result.logs
    return [
        result.mode,
        f"{v.accepted}/{v.attempted}",
        str(v.placed),
        str(v.lost),
        str(v.duplicated),
        str(v.unexpected),
        str(v.server_errors),
        str(v.poison_injected),
        str(v.poison_stored),
        str(v.dead_lettered),
        str(logs.send_failures),
        str(logs.handler_failures),
        str(logs.delays),
        str(logs.crashes),
        str(result.kills),
        f"{result.web_restarts}w+{result.worker_restarts}k",
        str(logs.duplicates_ignored),
        f"{result.seconds:.0f}",
        "OK" if result.ok else "FAIL",
    ]


def format_table(results: Sequence[RunResult]) -> str:
    lines = ["  ".join(name.rjust(width) for name, width in COLUMNS)]
    for result in results:
        cells = row(result)
        lines.append("  ".join(c.rjust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)))
    return "\n".join(lines)


def problems(result: RunResult) -> list[str]:
    """Why a run failed, in words."""
    v = result.verdict
    found = []
    if v.lost:
        found.append(f"{v.lost} accepted order(s) never placed")
    if v.duplicated:
        found.append(f"{v.duplicated} order(s) placed more than once")
    if v.unexpected:
        found.append(f"{v.unexpected} order(s) for carts nobody submitted")
    if v.server_errors:
        found.append(f"{v.server_errors} request(s) answered 5xx (a bug: no fault causes one)")
        found.extend(f"5xx: {error}" for error in result.server_errors[:10])
    if v.accepted != v.attempted:
        found.append(f"{v.attempted - v.accepted} submit(s) never acknowledged with 202")
    if v.stray_dead_letters:
        found.append(f"not injected, yet poison/dead-lettered: {v.stray_dead_letters[:10]}")
    if v.missing_poison:
        found.append(f"injected poison not held anywhere: {v.missing_poison[:10]}")
    if not result.quiescent:
        found.append("still busy (queue or outbox) when the wait ran out")
    if result.gave_up:
        found.append(f"{result.gave_up} shopper(s) gave up")
    found.extend(f"client error: {error}" for error in result.client_errors[:5])
    return found
