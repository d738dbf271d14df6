"""Requests no other function's route matched: problem+json 404, or 405 with ``Allow``.

The catch-all function (``ZzzUnmatchedRoute``) is named to sort last: the host tries routes in
the order of the functions' names.
"""

from shared.api import problem_types as types
from shared.api.http import ROUTE_PREFIX, ApiResponse, HttpRequestLike
from shared.api.problems import endpoint, problem
from shared.api.routes import allowed_methods, declared_routes
from shared.bootstrap import Application


@endpoint
async def answer_unmatched(request: HttpRequestLike, app: Application) -> ApiResponse:
    # The catch-all route's parameter: the request path after the route prefix.
    path = request.route_params.get("path", "")
    shown = f"{ROUTE_PREFIX}/{path}"
    allowed = allowed_methods(declared_routes(), path)
    if allowed and request.method.upper() not in allowed:
        allow = ", ".join(sorted(allowed))
        return problem(
            types.METHOD_NOT_ALLOWED,
            f"{shown} does not accept {request.method.upper()}; it accepts {allow}.",
            headers={"Allow": allow},
        )
    return problem(types.NOT_FOUND, f"Nothing is served at {shown} for {request.method.upper()}.")
