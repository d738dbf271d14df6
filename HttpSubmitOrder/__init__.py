"""POST customers/{customer}/carts/{cartId}/submit: accept the cart for ordering (202).

Flags and saves the cart with its SubmitOrder message in one write, then sends it to the
queue; ProcessSubmitOrder creates the order."""

import azure.functions as func

from shared.api.orders import submit_order
from shared.telemetry.function_edge import traced_http


@traced_http
async def main(req: func.HttpRequest) -> func.HttpResponse:
    response = await submit_order(req)
    return func.HttpResponse(response.body, status_code=response.status, headers=response.headers)
