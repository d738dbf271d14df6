"""The storefront with Authentication=appservice: signing in through the local host's
development sign-in (App Service authentication imitated), ordering as ``customers/me``."""

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import Shop
from tests.browser.storefront_page import PLACED, Storefront
from tests.browser.test_storefront import RUSKIE, serious_accessibility_violations


def _requested_paths(page: Page) -> list[str]:
    paths: list[str] = page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".map((entry) => new URL(entry.name).pathname)"
    )
    return paths


def test_a_signed_in_shopper_orders_until_placed_and_signs_out(
    page: Page, signed_in_shop: Shop, axe_script: str
) -> None:
    storefront = Storefront(page, signed_in_shop.url).open()
    sign_in = page.get_by_role("link", name="Sign in")
    expect(sign_in).to_be_visible()
    expect(page.get_by_label("Shopper handle")).to_have_count(0)
    assert serious_accessibility_violations(page, axe_script) == []

    sign_in.click()
    page.wait_for_url(re.compile(r"/\.auth/login/aad"))
    page.get_by_label("Object id").fill(f"oid-{uuid.uuid4().hex[:16]}")
    page.get_by_label("Name").fill("Anna Nowak")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(signed_in_shop.url)
    expect(page.locator("#session")).to_contain_text("Signed in as Anna Nowak")
    storefront.expect_ready()
    storefront.add(RUSKIE)
    storefront.raise_quantity(RUSKIE)
    expect(storefront.total).to_have_text("56.00 PLN")
    storefront.submit()
    expect(storefront.order_status).to_have_text(PLACED)
    expect(storefront.history.get_by_role("listitem").first).to_contain_text("Ordered")
    assert serious_accessibility_violations(page, axe_script) == []

    # The page names no customer itself; the order's checks follow the submit's Location.
    shopper_calls = [
        path for path in _requested_paths(page) if "/customers/" in path and "/orders/" not in path
    ]
    assert shopper_calls, "the page made no shopper calls"
    others = [path for path in shopper_calls if not path.startswith("/api/customers/me/")]
    assert others == [], others

    page.get_by_role("link", name="Sign out").click()
    page.wait_for_url(signed_in_shop.url)
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.locator("#shop")).to_be_hidden()
