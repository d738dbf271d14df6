"""GET customers/{customer}/carts: the customer's carts, newest first, paged."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_http


@traced_http
async def main(req: func.HttpRequest) -> func.HttpResponse:
    from shared.api.carts import list_carts  # imported on first call

    response = await list_carts(req, application())
    return func.HttpResponse(response.body, status_code=response.status, headers=response.headers)
