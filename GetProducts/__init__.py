"""GET products: the menu with server-side prices."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_http


@traced_http
async def main(req: func.HttpRequest) -> func.HttpResponse:
    from shared.api.products import list_products  # imported on first call

    response = await list_products(req, application())
    return func.HttpResponse(response.body, status_code=response.status, headers=response.headers)
