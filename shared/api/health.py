"""GET health: 200 when the store and the queue are reachable, else 503 problem+json."""

from shared.api.http import ApiResponse, HttpRequestLike, json_response, problem_response
from shared.bootstrap import application

RETRY_AFTER_SECONDS = "10"
# A probe must see the state now, never a cached answer.
NO_STORE = {"Cache-Control": "no-store"}


async def health(request: HttpRequestLike) -> ApiResponse:
    report = await application().health.check()
    checks = {
        "store": "reachable" if report.store else "unreachable",
        "queue": "reachable" if report.queue else "unreachable",
    }
    if report.healthy:
        return json_response(200, {"status": "healthy", "checks": checks}, NO_STORE)
    down = " and ".join(name for name, state in checks.items() if state == "unreachable")
    return problem_response(
        503,
        "Service unavailable",
        f"The {down} cannot be reached; orders cannot be taken now.",
        slug="unhealthy",
        extensions={"checks": checks},
        headers={"Retry-After": RETRY_AFTER_SECONDS, **NO_STORE},
    )
