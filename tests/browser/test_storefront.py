"""The storefront in a real browser against the local host, authentication off."""

import itertools
import re
import uuid

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import ARTIFACTS, Shop
from tests.browser.storefront_page import ACCEPTED, PLACED, Storefront

RUSKIE = "Pierogi ruskie (quark and potatoes)"
MEAT = "Pierogi with meat"


def new_handle() -> str:
    return f"shopper-{uuid.uuid4().hex[:12]}"


def signed_in(page: Page, shop: Shop, handle: str | None = None) -> Storefront:
    storefront = Storefront(page, shop.url).open()
    storefront.start_as(handle or new_handle())
    storefront.expect_ready()
    return storefront


def test_a_shopper_orders_from_an_empty_cart_until_the_order_is_placed(
    page: Page, shop: Shop
) -> None:
    storefront = signed_in(page, shop)
    expect(storefront.cart).to_contain_text("Your cart is empty")

    storefront.add(RUSKIE)
    storefront.raise_quantity(RUSKIE)
    storefront.raise_quantity(RUSKIE)
    storefront.add(MEAT)
    expect(storefront.quantity(RUSKIE)).to_have_text("3")
    expect(storefront.line(RUSKIE)).to_contain_text("84.00 PLN")
    expect(storefront.total).to_have_text("116.00 PLN")

    storefront.lower_quantity(RUSKIE)
    storefront.remove(MEAT)
    expect(storefront.quantity(RUSKIE)).to_have_text("2")
    expect(storefront.line(MEAT)).to_have_count(0)
    expect(storefront.total).to_have_text("56.00 PLN")

    storefront.submit()
    expect(storefront.order_status).to_have_text(PLACED)
    order = page.locator("#order")
    expect(order).to_contain_text(f"2 \N{MULTIPLICATION SIGN} {RUSKIE}: 56.00 PLN")
    expect(order).to_contain_text("Total 56.00 PLN")
    expect(storefront.cart).to_contain_text("Your cart is empty")
    expect(storefront.history.get_by_role("listitem").first).to_contain_text("Ordered")
    expect(storefront.message).to_be_hidden()


def _order_checks(page: Page) -> list[float]:
    """When the page asked for an order, in seconds, as the browser's own clock has it."""
    started: list[float] = page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".filter((entry) => entry.name.includes('/orders/'))"
        ".map((entry) => entry.startTime / 1000)"
    )
    return started


def test_the_order_shows_accepted_at_once_and_placed_when_it_exists_polled_as_told(
    page: Page, shop: Shop
) -> None:
    storefront = signed_in(page, shop)
    storefront.add(RUSKIE)
    assert shop.worker is not None
    shop.worker.stop()  # submitted orders wait in the queue
    try:
        storefront.submit()
        expect(storefront.order_status).to_have_text(ACCEPTED)
        # Pending answers carry Retry-After: 1; the page waits that long between checks.
        page.wait_for_function(
            "() => performance.getEntriesByType('resource')"
            ".filter((entry) => entry.name.includes('/orders/')).length >= 3"
        )
        expect(storefront.order_status).to_have_text(ACCEPTED)
    finally:
        shop.worker.start()
    expect(storefront.order_status).to_have_text(PLACED)
    checks = _order_checks(page)
    gaps = [later - earlier for earlier, later in itertools.pairwise(checks)]
    assert len(gaps) >= 3, checks
    assert min(gaps) >= 0.95, f"the page checked faster than Retry-After asks: {gaps}"


def test_a_change_in_a_second_tab_after_the_first_submitted_is_refused_and_shown(
    context: BrowserContext, page: Page, shop: Shop
) -> None:
    first = signed_in(page, shop)
    first.add(RUSKIE)
    expect(first.total).to_have_text("28.00 PLN")

    # The same shopper in a second tab finds the same cart.
    second = Storefront(context.new_page(), shop.url).open()
    second.expect_ready()
    expect(second.total).to_have_text("28.00 PLN")

    first.submit()
    expect(first.order_status).to_have_text(PLACED)

    second.raise_quantity(RUSKIE)
    expect(second.message).to_have_text(
        re.compile(r"has changed since it was read|has been submitted and can no longer change")
    )
    # The page recovers: the ordered cart is gone, the next pick starts a new one.
    expect(second.cart).to_contain_text("Your cart is empty")
    expect(second.history.get_by_role("listitem").first).to_contain_text("Ordered")
    second.add(MEAT)
    expect(second.total).to_have_text("32.00 PLN")


def test_bad_input_is_shown_in_the_apis_own_words(page: Page, shop: Shop) -> None:
    storefront = Storefront(page, shop.url).open()
    storefront.start_as("anna smith")
    expect(storefront.message).to_have_text(
        "The customer handle must be 1-64 characters: letters, digits, '-', '_' or '.'."
    )

    handle = new_handle()
    storefront.start_as(handle)
    storefront.expect_ready()
    expect(storefront.message).to_be_hidden()
    storefront.add(RUSKIE)
    expect(storefront.quantity(RUSKIE)).to_have_text("1")
    # Fill the line to the cap from outside the page, then ask the page for one more.
    cart_id = page.evaluate(f"localStorage.getItem('pierogi-shop.cart.handle:{handle}')")
    with shop.api() as api:
        added = api.post(
            f"/customers/{handle}/carts/{cart_id}/items",
            json={"productId": "ruskie", "quantity": 98},
        )
        assert added.status_code == 200, added.text
    # The page's copy of the cart is stale now: refused, shown, and reloaded.
    storefront.raise_quantity(RUSKIE)
    expect(storefront.message).to_have_text(
        "The shopping cart has changed since it was read; fetch it again and retry."
    )
    expect(storefront.quantity(RUSKIE)).to_have_text("99")
    storefront.raise_quantity(RUSKIE)
    expect(storefront.message).to_have_text(
        "A cart line holds 1 to 99 portions; this change would make it 100."
    )
    expect(storefront.quantity(RUSKIE)).to_have_text("99")


def test_paging_through_more_carts_than_one_page_and_filtering(page: Page, shop: Shop) -> None:
    handle = new_handle()
    with shop.api() as api:
        for number in range(7):
            created = api.post(f"/customers/{handle}/carts")
            assert created.status_code == 201, created.text
            cart_id = created.json()["id"]
            api.post(
                f"/customers/{handle}/carts/{cart_id}/items",
                json={"productId": "meat", "quantity": number + 1},
            )
            if number < 2:
                assert api.post(f"/customers/{handle}/carts/{cart_id}/submit").status_code == 202

    storefront = signed_in(page, shop, handle)
    entries = storefront.history.get_by_role("listitem")
    more = page.get_by_role("button", name="Show more")
    expect(entries).to_have_count(5)  # one page
    expect(entries.first).to_contain_text("7 pierogi")  # newest first
    more.click()
    expect(entries).to_have_count(7)
    expect(entries.last).to_contain_text("1 pierogi")
    expect(more).to_be_hidden()

    page.get_by_role("radio", name="Orders").check()
    expect(entries).to_have_count(2)
    expect(entries.filter(has_text="Open")).to_have_count(0)
    page.get_by_role("radio", name="Open carts").check()
    expect(entries).to_have_count(5)
    expect(more).to_be_hidden()

    entries.first.get_by_role("button", name="Continue this cart").click()
    expect(storefront.quantity(MEAT)).to_have_text("7")


def _tab_to(page: Page, name: str, *, presses: int = 60) -> None:
    """Press Tab until the control named ``name`` has the focus."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? (e.getAttribute('aria-label') || e.textContent || '').trim() : ''; }"
        )
        if focused == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_a_shopper_orders_with_the_keyboard_only(page: Page, shop: Shop) -> None:
    storefront = Storefront(page, shop.url).open()
    expect(page.get_by_label("Shopper handle")).to_be_visible()
    _tab_to(page, "Skip to the menu")
    page.keyboard.press("Tab")
    page.keyboard.type(new_handle())
    page.keyboard.press("Enter")
    storefront.expect_ready()

    _tab_to(page, f"Add one {RUSKIE}")
    page.keyboard.press("Enter")
    expect(storefront.quantity(RUSKIE)).to_have_text("1")
    _tab_to(page, f"One more {RUSKIE}")
    page.keyboard.press("Space")
    expect(storefront.quantity(RUSKIE)).to_have_text("2")
    # Focus stays on the control after the cart is redrawn.
    page.keyboard.press("Enter")
    expect(storefront.quantity(RUSKIE)).to_have_text("3")
    _tab_to(page, "Submit order")
    page.keyboard.press("Enter")
    expect(storefront.order_status).to_have_text(PLACED)
    expect(page.locator("#order-heading")).to_be_focused()


def serious_accessibility_violations(page: Page, axe_script: str) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern (an
    # injected <script> would be refused, as it should be).
    page.evaluate(f"() => {{ {axe_script}\n}}")
    violations: list[dict[str, object]] = page.evaluate(
        """async () => {
            const results = await axe.run(document, {
                runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            });
            return results.violations;
        }"""
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]


def test_axe_core_finds_no_serious_violations_in_any_state(
    page: Page, shop: Shop, axe_script: str
) -> None:
    storefront = Storefront(page, shop.url).open()
    expect(page.get_by_label("Shopper handle")).to_be_visible()
    assert serious_accessibility_violations(page, axe_script) == []

    storefront.start_as("anna smith")  # an error on show
    expect(storefront.message).to_be_visible()
    assert serious_accessibility_violations(page, axe_script) == []

    storefront.start_as(new_handle())
    storefront.expect_ready()
    storefront.add(RUSKIE)
    storefront.add(MEAT)
    expect(storefront.total).to_have_text("60.00 PLN")
    assert serious_accessibility_violations(page, axe_script) == []

    storefront.submit()
    expect(storefront.order_status).to_have_text(PLACED)
    assert serious_accessibility_violations(page, axe_script) == []


def test_the_page_works_at_phone_width(page: Page, shop: Shop, axe_script: str) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    storefront = signed_in(page, shop)
    storefront.add(RUSKIE)
    storefront.raise_quantity(RUSKIE)
    storefront.add(MEAT)
    expect(storefront.total).to_have_text("88.00 PLN")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
    cart_box = page.locator("#cart").bounding_box()
    assert cart_box is not None
    assert cart_box["x"] + cart_box["width"] <= 375, cart_box
    page.screenshot(path=ARTIFACTS / "test_the_page_works_at_phone_width-cart.png", full_page=True)
    assert serious_accessibility_violations(page, axe_script) == []
    storefront.submit()
    expect(storefront.order_status).to_have_text(PLACED)
