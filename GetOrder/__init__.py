"""GET customers/{customer}/orders/{orderId}: the order (200), or 202 while it is pending."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_http


@traced_http
async def main(req: func.HttpRequest) -> func.HttpResponse:
    from shared.api.orders import get_order  # imported on first call

    response = await get_order(req, application())
    return func.HttpResponse(response.body, status_code=response.status, headers=response.headers)
