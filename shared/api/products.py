"""GET products: the menu."""

from shared.api.http import ApiResponse, HttpRequestLike, json_response
from shared.api.problems import endpoint
from shared.domain.menu import MENU


@endpoint
async def list_products(request: HttpRequestLike) -> ApiResponse:
    products = [product.model_dump(mode="json", by_alias=True) for product in MENU.values()]
    return json_response(200, products, {"Cache-Control": "public, max-age=300"})
