"""The storefront's files, served read-only beside the functions (outside the route prefix).

In Azure the storefront is a Static Web Apps site apart from the function app (see the README);
locally it is served at ``/`` in front of the host so that ``make run`` is still the one
command and the page calls ``/api`` on its own origin. Only what a static file server must do:
GET and HEAD, ``index.html`` for a folder URL ending in ``/``, no directory listings, nothing
outside the folder (no ``..``, no hidden files, no symlink leading out), and a content type
from a fixed table, never guessed: a JavaScript module with any other type does not run.
"""

import asyncio
import json
from http import HTTPStatus
from pathlib import Path, PurePosixPath

from aiohttp import hdrs, web

from local_host.problems import problem_response

INDEX = "index.html"
# Azure Static Web Apps' configuration file: the headers the site sends there are read from it
# here too, so both places send the same ones. Static Web Apps never serves it; neither do we.
SITE_CONFIG = "staticwebapp.config.json"

# The types the page's files need; anything else is not served (404), so a stray file of an
# unknown kind is never sent with a guessed type.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}

_READ_METHODS = frozenset({hdrs.METH_GET, hdrs.METH_HEAD})


class StaticSite:
    """Serves the files under ``root``; ``handle`` answers one request."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve(strict=True)
        self.headers = global_headers(self.root / SITE_CONFIG)

    def file_for(self, url_path: str) -> Path | None:
        """The file a decoded URL path names, or None when it names nothing servable."""
        if "\\" in url_path or "\0" in url_path:
            return None
        parts = PurePosixPath(url_path).parts[1:]  # drop the leading "/"
        if any(part.startswith(".") for part in parts) or parts[-1:] == (SITE_CONFIG,):
            return None  # "..", ".", hidden files (.gitignore, .env), the site's configuration
        candidate = self.root.joinpath(*parts)
        if url_path.endswith("/"):
            candidate = candidate / INDEX
        resolved = candidate.resolve()
        # A symlink inside the folder could point anywhere: only its target's place counts.
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            return None
        if resolved.suffix.lower() not in CONTENT_TYPES:
            return None
        return resolved

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.rel_url.path
        if request.method not in _READ_METHODS:
            allowed = f"{hdrs.METH_GET}, {hdrs.METH_HEAD}"
            return problem_response(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"{path} is a static file; allowed: {allowed}.",
                instance=path,
                headers={"Allow": allowed},
            )
        # Resolving touches the file system: off the event loop.
        found = await asyncio.to_thread(self.file_for, path)
        if found is None:
            return problem_response(
                HTTPStatus.NOT_FOUND, f"There is no page at {path}.", instance=path
            )
        headers = {**self.headers, hdrs.CONTENT_TYPE: CONTENT_TYPES[found.suffix.lower()]}
        # FileResponse reads in a thread (or sendfile), answers HEAD, ranges and conditional
        # requests, and keeps a Content-Type it is given.
        return web.FileResponse(found, headers=headers)


def global_headers(config_file: Path) -> dict[str, str]:
    """The ``globalHeaders`` of a Static Web Apps configuration file; none without the file."""
    if not config_file.is_file():
        return {}
    config = json.loads(config_file.read_text(encoding="utf-8"))
    headers = config.get("globalHeaders", {})
    if not isinstance(headers, dict) or not all(
        isinstance(name, str) and isinstance(value, str) for name, value in headers.items()
    ):
        raise ValueError(f"{config_file}: globalHeaders must map header names to strings.")
    return dict(headers)
