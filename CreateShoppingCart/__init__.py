"""POST customers/{customer}/carts: a new, empty shopping cart (201)."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_http


@traced_http
async def main(req: func.HttpRequest) -> func.HttpResponse:
    from shared.api.carts import create_cart  # imported on first call

    response = await create_cart(req, application())
    return func.HttpResponse(response.body, status_code=response.status, headers=response.headers)
