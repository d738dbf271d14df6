"""The storefront site in front of the local host: over real HTTP, on a folder in tmp_path.

Requests are written byte for byte where a client library would tidy the path (``..``,
``%2e%2e``, backslashes): those are what an attacker sends.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from local_host.http_server import HttpServer
from local_platform.front import PlatformFront
from local_platform.static_site import StaticSite

HEADERS = {"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff"}


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "images").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>shop</title>", encoding="utf-8")
    (root / "app.js").write_text("export const shop = 1;", encoding="utf-8")
    (root / "styles.css").write_text("body { margin: 0; }", encoding="utf-8")
    (root / "images" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    (root / "notes.md").write_text("not a page file", encoding="utf-8")
    (root / "staticwebapp.config.json").write_text(json.dumps({"globalHeaders": HEADERS}))
    (root / ".env").write_text("SECRET=1", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside the site", encoding="utf-8")
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.fixture
async def server(site_root: Path) -> AsyncIterator[HttpServer]:
    front = PlatformFront("api", authentication=None, site=StaticSite(site_root))
    started = HttpServer([], "api", host="127.0.0.1", port=0, shutdown_timeout=1, front=front)
    await started.start()
    yield started
    await started.stop()


@pytest.fixture
async def client(server: HttpServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url) as opened:
        yield opened


async def raw_status(server: HttpServer, target: str, method: str = "GET") -> tuple[int, bytes]:
    """Sends ``target`` exactly as given; the status code and the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/styles.css", "text/css; charset=utf-8"),
        ("/images/logo.svg", "image/svg+xml"),
    ],
)
async def test_files_are_served_with_the_content_type_of_their_kind(
    client: httpx.AsyncClient, site_root: Path, path: str, content_type: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    file = site_root / (path.lstrip("/") or "index.html")
    assert response.content == file.read_bytes()
    # The globalHeaders of the site's Static Web Apps configuration, as Azure sends them.
    for name, value in HEADERS.items():
        assert response.headers[name] == value


async def test_head_answers_the_headers_of_get_without_a_body(client: httpx.AsyncClient) -> None:
    got = await client.get("/app.js")
    head = await client.head("/app.js")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Length"] == got.headers["Content-Length"]
    assert head.headers["Content-Type"] == got.headers["Content-Type"]


async def test_an_unchanged_file_answers_304_to_a_conditional_request(
    client: httpx.AsyncClient,
) -> None:
    first = await client.get("/app.js")
    again = await client.get("/app.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
async def test_only_get_and_head_are_allowed(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/index.html")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "path",
    [
        "/images/",  # a folder without index.html: no listing
        "/images",
        "/missing.html",
        "/notes.md",  # a kind of file the page does not use
        "/.env",  # hidden files
        "/staticwebapp.config.json",  # Static Web Apps does not serve it either
        "/escape.txt",  # a symlink leading out of the folder
    ],
)
async def test_what_is_not_a_page_file_is_not_found(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert b"outside the site" not in response.content


@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/images/..%2f..%2fsecret.txt",
        "/images/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/images/..\\..\\secret.txt",
        "/%2e%2e%2f%2e%2e%2fsecret.txt",
        "//etc/passwd",
    ],
)
async def test_no_path_leaves_the_folder(server: HttpServer, target: str) -> None:
    status, body = await raw_status(server, target)
    assert status in (400, 404)
    assert b"outside the site" not in body
    assert b"root:" not in body


async def test_the_api_prefix_still_goes_to_the_functions(client: httpx.AsyncClient) -> None:
    # No function here: the host's own 404 for an unrouted API path, never a page's.
    response = await client.get("/api/products")
    assert response.status_code == 404
    assert b"There is no page" not in response.content
    assert "Content-Security-Policy" not in response.headers
