"""GET openapi.json: the OpenAPI 3.1 description of this API, generated from the code."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_http


@traced_http
async def main(req: func.HttpRequest) -> func.HttpResponse:
    from shared.api.description import get_openapi_document  # imported on first call

    response = await get_openapi_document(req, application())
    return func.HttpResponse(response.body, status_code=response.status, headers=response.headers)
