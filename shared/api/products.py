"""GET products: the menu."""

from functools import cache

from shared.api.http import ApiResponse, HttpRequestLike, json_response
from shared.bootstrap import Application
from shared.domain.menu import MENU


# Not an @endpoint: it refuses nothing, touches no backend and awaits nothing, so there is no
# problem to map and no time limit it could run past (a timer could only fire at an await).
async def list_products(request: HttpRequestLike, app: Application) -> ApiResponse:
    menu = _menu_response()
    # A copy of the headers: callers may add to a response's headers.
    return ApiResponse(menu.status, menu.body, dict(menu.headers))


@cache
def _menu_response() -> ApiResponse:
    """The menu never changes while the process runs: serialised once, on first request."""
    products = [product.model_dump(mode="json", by_alias=True) for product in MENU.values()]
    return json_response(200, products, {"Cache-Control": "public, max-age=300"})
