"""GET health: 200 when the store and the queue are reachable, else 503 problem+json."""

from typing import Literal

from shared.api import problem_types as types
from shared.api.http import ApiResponse, HttpRequestLike, json_response
from shared.api.problems import problem
from shared.api.responses import HealthReport
from shared.bootstrap import Application

RETRY_AFTER_SECONDS = "10"
Reachability = Literal["reachable", "unreachable"]
# A probe must see the state now, never a cached answer.
NO_STORE = {"Cache-Control": "no-store"}


async def health(request: HttpRequestLike, app: Application) -> ApiResponse:
    report = await app.health.check()
    checks: dict[str, Reachability] = {
        "store": "reachable" if report.store else "unreachable",
        "queue": "reachable" if report.queue else "unreachable",
    }
    if report.healthy:
        healthy = HealthReport(status="healthy", checks=checks)
        return json_response(200, healthy.model_dump(mode="json"), NO_STORE)
    down = " and ".join(name for name, state in checks.items() if state == "unreachable")
    return problem(
        types.UNHEALTHY,
        f"The {down} cannot be reached; orders cannot be taken now.",
        extensions={"checks": checks},
        headers={"Retry-After": RETRY_AFTER_SECONDS, **NO_STORE},
    )
