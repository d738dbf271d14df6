"""POST customers/{customer}/carts/{cartId}/submit: accept the cart for ordering (202)."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_http


@traced_http
async def main(req: func.HttpRequest) -> func.HttpResponse:
    from shared.api.orders import submit_order  # imported on first call

    response = await submit_order(req, application())
    return func.HttpResponse(response.body, status_code=response.status, headers=response.headers)
