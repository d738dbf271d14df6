"""POST customers/{customer}/carts/{cartId}/items: add pierogi to a cart line."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_http


@traced_http
async def main(req: func.HttpRequest) -> func.HttpResponse:
    from shared.api.carts import add_item  # imported on first call

    response = await add_item(req, application())
    return func.HttpResponse(response.body, status_code=response.status, headers=response.headers)
