"""GET health (anonymous): whether the store and the queue are reachable; 200 or 503."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_http


@traced_http
async def main(req: func.HttpRequest) -> func.HttpResponse:
    from shared.api.health import health  # imported on first call

    response = await health(req, application())
    return func.HttpResponse(response.body, status_code=response.status, headers=response.headers)
