"""The storefront as a shopper sees it: its controls by their accessible names (labels, roles),
so the tests also prove that the page can be used by those names."""

import re

from playwright.sync_api import Locator, Page, expect

ACCEPTED = re.compile(r"^Accepted")
PLACED = re.compile(r"^Placed")


class Storefront:
    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url

    def open(self) -> "Storefront":
        self.page.goto(self.url)
        return self

    def start_as(self, handle: str) -> None:
        """Authentication off: type the shopper handle and start."""
        self.page.get_by_label("Shopper handle").fill(handle)
        self.page.get_by_role("button", name="Start shopping").click()

    @property
    def message(self) -> Locator:
        return self.page.get_by_role("alert")

    @property
    def menu(self) -> Locator:
        return self.page.locator("#menu")

    @property
    def cart(self) -> Locator:
        return self.page.locator("#cart")

    @property
    def total(self) -> Locator:
        return self.page.locator("#cart-total")

    @property
    def order_status(self) -> Locator:
        return self.page.locator("#order-status")

    @property
    def history(self) -> Locator:
        return self.page.locator("#history")

    def add(self, product: str) -> None:
        self.page.get_by_role("button", name=f"Add one {product}").click()

    def raise_quantity(self, product: str) -> None:
        self.page.get_by_role("button", name=f"One more {product}").click()

    def lower_quantity(self, product: str) -> None:
        self.page.get_by_role("button", name=f"One fewer {product}").click()

    def remove(self, product: str) -> None:
        self.page.get_by_role("button", name=f"Remove {product}").click()

    def quantity(self, product: str) -> Locator:
        return self.page.get_by_label(f"Quantity of {product}")

    def line(self, product: str) -> Locator:
        return self.cart.get_by_role("row").filter(has_text=product)

    def submit(self) -> None:
        self.page.get_by_role("button", name="Submit order").click()

    def expect_ready(self) -> None:
        expect(self.page.get_by_role("heading", name="Menu")).to_be_visible()
        expect(self.menu.get_by_role("listitem")).to_have_count(5)
