"""The Cosmos DB stand-in: ``@vercel/cosmosdb-server`` from npm, run by Node.js.

It answers the Cosmos DB REST API over HTTPS with a self-signed certificate; the Python SDK
skips certificate checks for 127.0.0.1 and localhost (azure/cosmos/aio/_asynchronous_request.py),
as it does for the emulator. The package and a patch for its bugs are installed by
``make stand-ins`` (``npm ci`` in tests/stand_ins/cosmosdb: the version is pinned in
package.json and package-lock.json; the patch is in tests/stand_ins/cosmosdb/patches).

It checks no keys or tokens, never throttles (no 429), ignores indexing policies and charges
1 RU for everything; docs/functions-host.md lists what only a real account can show.
"""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.stand_ins.process import running_server

PACKAGE_DIR = Path(__file__).parent / "cosmosdb"
CLI = PACKAGE_DIR / "node_modules" / "@vercel" / "cosmosdb-server" / "lib" / "cli.js"
# Any key will do (the stand-in does not check signatures), but the SDK needs valid base64.
ACCOUNT_KEY = "c3RhbmQtaW4ta2V5LW5vdC1hLXNlY3JldA=="


class StandInNotInstalled(RuntimeError):
    """The npm package is missing: ``make stand-ins`` installs it."""


@contextmanager
def cosmosdb_server(log: Path) -> Iterator[str]:
    """Run the stand-in until the block ends; yields its ``CosmosDbConnection`` string."""
    node = shutil.which("node")
    if node is None or not CLI.is_file():
        raise StandInNotInstalled(
            f"the Cosmos DB stand-in needs Node.js and {CLI.relative_to(PACKAGE_DIR.parent)}:"
            " run 'make stand-ins' (make test does)"
        )
    with running_server([node, str(CLI), "--host", "127.0.0.1", "--port", "0"], log) as port:
        yield f"AccountEndpoint=https://127.0.0.1:{port}/;AccountKey={ACCOUNT_KEY};"
