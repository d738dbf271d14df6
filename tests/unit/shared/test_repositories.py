"""shared/repositories.py: a write answers with the cart it was given, at the stored version,
and that cart is the one a read of the stored document rebuilds."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.bootstrap import build_document_store
from shared.domain.cart import ShoppingCart
from shared.domain.menu import MENU
from shared.ports import DocumentStore
from shared.repositories import CartRepository
from shared.services.clock import utc_now
from shared.settings import Settings
from tests.conftest import embedded_settings


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[DocumentStore]:
    store = build_document_store(Settings(embedded_settings(tmp_path)))
    yield store
    await store.close()


async def test_a_written_cart_is_the_cart_a_read_rebuilds(store: DocumentStore) -> None:
    carts = CartRepository(store)
    now = utc_now()
    cart_id = str(uuid.uuid4())
    added = await carts.add(
        ShoppingCart(id=cart_id, customer="anna", created_at=now, updated_at=now)
    )
    assert added == await carts.get("anna", cart_id)

    cart = added.value
    for product in MENU.values():
        cart.add_item(product, 3, utc_now())
    cart.submit(
        "correlation-1", utc_now(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    )
    submitted = await carts.replace(cart, added.etag)
    read = await carts.get("anna", cart_id)
    assert read == submitted
    assert read is not None
    assert read.value.to_api() == submitted.value.to_api()

    submitted.value.mark_outbox_sent(utc_now())
    assert await carts.replace(submitted.value, submitted.etag) == await carts.get("anna", cart_id)
