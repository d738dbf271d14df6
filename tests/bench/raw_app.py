"""``python -m tests.bench.raw_app``: the smallest aiohttp app, the HTTP reference of the bench.

GET answers a small JSON list; POST reads the JSON body and answers 202, as a submit does.
"""

import asyncio
import json
import sys

from aiohttp import web

_MENU = json.dumps([{"id": "ruskie", "name": "Ruskie", "price": 21.5}]).encode()


async def products(_: web.Request) -> web.Response:
    return web.Response(body=_MENU, content_type="application/json")


async def submit(request: web.Request) -> web.Response:
    body = await request.json()
    return web.json_response({"orderId": str(body.get("id", "x"))}, status=202)


async def serve() -> None:
    app = web.Application()
    app.router.add_get("/api/products", products)
    app.router.add_post("/api/submit", submit)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"Listening on http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    sys.exit(asyncio.run(serve()))
