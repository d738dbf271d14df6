"""Shopping cart use cases: create, read, list, add and remove items."""

import uuid
from collections.abc import Callable, Collection

from shared.domain.cart import ShoppingCart
from shared.domain.errors import CartNotFound, StaleVersion, UnknownProduct
from shared.domain.menu import find_product
from shared.ports import PreconditionFailed, etag_matches_any
from shared.repositories import CartPage, CartRepository, Versioned
from shared.services.clock import Clock

# Optimistic concurrency: without If-Match a lost race is re-read and re-applied, never dropped.
MAX_UPDATE_ATTEMPTS = 20


class CartBusy(Exception):
    """Too many concurrent writers to one cart; the client may retry."""


class CartService:
    def __init__(self, carts: CartRepository, clock: Clock) -> None:
        self._carts = carts
        self._clock = clock

    async def create_cart(self, customer: str) -> Versioned[ShoppingCart]:
        now = self._clock()
        cart = ShoppingCart(id=str(uuid.uuid4()), customer=customer, created_at=now, updated_at=now)
        return await self._carts.add(cart)

    async def get_cart(self, customer: str, cart_id: str) -> Versioned[ShoppingCart]:
        found = await self._carts.get(customer, cart_id)
        if found is None:
            raise CartNotFound(cart_id)
        return found

    async def list_carts(
        self, customer: str, *, ordered: bool | None, limit: int, continuation_token: str | None
    ) -> CartPage:
        return await self._carts.page(
            customer, ordered=ordered, limit=limit, continuation_token=continuation_token
        )

    async def add_item(
        self,
        customer: str,
        cart_id: str,
        product_id: str,
        quantity: int,
        if_match: Collection[str] | None,
    ) -> Versioned[ShoppingCart]:
        product = find_product(product_id)
        if product is None:
            raise UnknownProduct(product_id)
        return await self._update(
            customer,
            cart_id,
            if_match,
            lambda cart: cart.add_item(product, quantity, self._clock()),
        )

    async def remove_item(
        self, customer: str, cart_id: str, product_id: str, if_match: Collection[str] | None
    ) -> Versioned[ShoppingCart]:
        return await self._update(
            customer, cart_id, if_match, lambda cart: cart.remove_item(product_id, self._clock())
        )

    async def _update(
        self,
        customer: str,
        cart_id: str,
        if_match: Collection[str] | None,
        change: Callable[[ShoppingCart], None],
    ) -> Versioned[ShoppingCart]:
        """Read, change, compare-and-swap; on a lost race start again from a fresh read."""
        for _ in range(MAX_UPDATE_ATTEMPTS):
            current = await self.get_cart(customer, cart_id)
            if if_match is not None and not etag_matches_any(current.etag, if_match):
                raise StaleVersion("The shopping cart")
            cart = current.value
            change(cart)
            try:
                return await self._carts.replace(cart, current.etag)
            except PreconditionFailed:
                if if_match is not None:
                    raise StaleVersion("The shopping cart") from None
        raise CartBusy(f"Shopping cart '{cart_id}' is being changed by many requests at once.")
