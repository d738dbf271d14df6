"""The catch-all route, named to sort last: problem+json 404, or 405 with Allow."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_http


@traced_http
async def main(req: func.HttpRequest) -> func.HttpResponse:
    from shared.api.unmatched import answer_unmatched  # imported on first call

    response = await answer_unmatched(req, application())
    return func.HttpResponse(response.body, status_code=response.status, headers=response.headers)
