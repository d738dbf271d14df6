"""The platform in front of the local host: App Service authentication, then the storefront.

A request reaches the host's functions only through this layer, in the order Azure has it:
``/.auth`` is answered by App Service authentication (with ``Authentication=appservice``), a
path outside the route prefix by the storefront site, and any other request goes on to the
host with the principal headers the platform sets.
"""

from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from local_host.errors import StartupError
from local_host.host_logging import host_logger
from local_platform.app_service_auth import AppServiceAuthentication
from local_platform.static_site import StaticSite

# The shopper's page, served at / beside the API when the app folder has it.
STOREFRONT_FOLDER = "storefront"

log = host_logger("platform")


class PlatformFront:
    """One request's way through the platform; ``host`` answers what the platform passes on."""

    def __init__(
        self,
        route_prefix: str,
        authentication: AppServiceAuthentication | None,
        site: StaticSite | None,
    ) -> None:
        self._api_root = "/" + route_prefix.strip("/")
        self.authentication = authentication
        self.site = site

    async def __call__(self, request: web.Request, host: Handler) -> web.StreamResponse:
        path = request.rel_url.path
        if self.authentication is not None and self.authentication.serves(path):
            return await self.authentication.handle(request)
        if self.site is not None and not self._is_api_path(path):
            return await self.site.handle(request)
        if self.authentication is not None:
            request = self.authentication.forwarded(request)
        return await host(request)

    def _is_api_path(self, path: str) -> bool:
        return path == self._api_root or path.startswith(self._api_root + "/")


def platform_front(app_dir: Path, route_prefix: str, authentication: str) -> PlatformFront | None:
    """The layer for this app and ``Authentication`` mode; None when nothing is in front."""
    signing_in = AppServiceAuthentication() if authentication == "appservice" else None
    site = _storefront(app_dir, route_prefix)
    if signing_in is None and site is None:
        return None
    return PlatformFront(route_prefix, signing_in, site)


def log_authentication_mode(authentication: str, base_url: str) -> None:
    """What stands in front of the host locally for the app's ``Authentication`` mode."""
    if authentication == "appservice":
        log.info(
            "Authentication=appservice: App Service authentication is imitated; sign in "
            "at %s/.auth/login/dev",
            base_url,
        )
    elif authentication == "staticwebapps":
        # As `func start` does: the site's principal header is taken as sent.
        log.warning(
            "Authentication=staticwebapps: the principal header is trusted as sent; run "
            "behind the Static Web Apps CLI (swa start) and call the API through it"
        )


def _storefront(app_dir: Path, route_prefix: str) -> StaticSite | None:
    folder = app_dir / STOREFRONT_FOLDER
    if not folder.is_dir():
        return None
    if not route_prefix.strip("/"):
        # With an empty routePrefix the functions' routes start at / and would clash with it.
        log.warning("routePrefix is empty: the storefront in %s is not served.", folder)
        return None
    try:
        return StaticSite(folder)
    except (OSError, ValueError) as error:
        raise StartupError(f"Cannot serve the storefront in {folder}: {error}") from error
