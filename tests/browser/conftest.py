"""Browser fixtures: Debian's Chromium driven by Playwright against the local host.

One browser and one local host per authentication mode for all the browser tests (package
scope: sync Playwright keeps an event loop running in the main thread while it is open, which
the asyncio tests of the other packages could not run beside); every test gets
a fresh browser context (its own storage, so its own shopper) and leaves a screenshot of where
it ended in ``.artifacts/browser/`` (git-ignored), passed or failed.

Playwright cannot download its own browser on these machines, so it launches the system's
``/usr/bin/chromium`` by path; ``make test`` installs it with apt when it is missing.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.e2e.api_client import ApiClient
from tests.e2e.conftest import REPO_ROOT, HostProcess, embedded_host_settings

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_CHROMIUM = "apt-get update && apt-get install -y chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SCRIPT = REPO_ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
INSTALL_AXE = "cd tests/browser && npm ci"
ARTIFACTS = REPO_ROOT / ".artifacts" / "browser"
# A desktop window; the phone-width test sets its own.
VIEWPORT = {"width": 1280, "height": 900}
# Long enough for an order to be placed by the queue-triggered function on a busy machine.
EXPECT_TIMEOUT_MS = 15_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install it with: {INSTALL_CHROMIUM}", pytrace=False)
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
    yield launched
    launched.close()


@pytest.fixture(scope="package")
def axe_script() -> str:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing; install it with: {INSTALL_AXE}", pytrace=False)
    return AXE_SCRIPT.read_text(encoding="utf-8")


@dataclass
class Shop:
    """The app on one data directory: a web and a worker process (the worker can be paused),
    or one process doing both (``worker`` None)."""

    web: HostProcess
    worker: HostProcess | None = None

    @property
    def url(self) -> str:
        """The storefront, ``http://127.0.0.1:<port>/``."""
        return f"{self.web.base_url}/"

    def api(self) -> ApiClient:
        return self.web.client()

    def stop(self) -> None:
        self.web.kill()
        if self.worker is not None:
            self.worker.kill()


def start_shop(
    data_dir: Path, settings: Mapping[str, str] | None = None, *, split: bool = False
) -> Shop:
    host_settings = {**embedded_host_settings(data_dir), **(settings or {})}
    if not split:
        shop = Shop(web=HostProcess(role="all", settings=host_settings))
    else:
        shop = Shop(
            web=HostProcess(role="web", settings=host_settings),
            worker=HostProcess(role="worker", settings=host_settings),
        )
    try:
        if shop.worker is not None:
            shop.worker.start()
        shop.web.start()
    except BaseException:
        shop.stop()
        raise
    return shop


@pytest.fixture(scope="package")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The app with authentication off: shoppers type a handle."""
    started = start_shop(tmp_path_factory.mktemp("shop-data"), split=True)
    yield started
    started.stop()


@pytest.fixture(scope="package")
def signed_in_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The app with Authentication=appservice: the local host's development sign-in."""
    started = start_shop(
        tmp_path_factory.mktemp("signed-in-shop-data"), {"Authentication": "appservice"}
    )
    yield started
    started.stop()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A tab; every tab a test opens is kept as a screenshot when it ends."""
    opened = context.new_page()
    yield opened
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    for number, tab in enumerate(context.pages, start=1):
        suffix = "" if number == 1 else f"-tab{number}"
        tab.screenshot(path=ARTIFACTS / f"{name}{suffix}.png", full_page=True)
