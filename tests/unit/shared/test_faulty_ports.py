"""The fault wrappers around the ports: each fault fires at its point and nowhere else."""

import inspect
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import pytest

from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.adapters.sqlite_queue import SqliteQueue
from shared.domain.cart import ShoppingCart
from shared.domain.menu import MENU
from shared.domain.order import Order
from shared.faults import (
    AFTER_CART_WRITE,
    AFTER_ORDER_WRITE,
    FaultInjector,
    FaultSettings,
    InjectedFault,
)
from shared.faulty_ports import FaultyCarts, FaultyOrders, FaultySender
from shared.partitioning import PARTITION_FIELDS
from shared.ports import MessageSender, OutgoingMessage
from shared.repositories import CartRepository, OrderRepository
from shared.retention import TIME_TO_LIVE_SECONDS
from shared.settings import Settings

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class Crashed(Exception):
    """Stands in for the process exit, so the test can see which point crashed."""


def raise_crashed(point: str) -> NoReturn:
    raise Crashed(point)


def injector(**settings: str) -> FaultInjector:
    return FaultInjector(
        FaultSettings.from_settings(Settings(settings)), random.Random(1), raise_crashed
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteDocumentStore]:
    documents = SqliteDocumentStore(
        tmp_path / "documents.sqlite3", PARTITION_FIELDS, TIME_TO_LIVE_SECONDS
    )
    try:
        yield documents
    finally:
        await documents.close()


def open_cart() -> ShoppingCart:
    cart = ShoppingCart(id="c-1", customer="anna", created_at=NOW, updated_at=NOW)
    cart.add_item(next(iter(MENU.values())), 2, NOW)
    return cart


@pytest.mark.parametrize(
    ("wrapper", "port"),
    [(FaultySender, MessageSender), (FaultyCarts, CartRepository), (FaultyOrders, OrderRepository)],
)
def test_a_wrapper_hands_on_every_method_of_its_port(wrapper: type, port: type) -> None:
    # A method left to the base class would act on a repository that was never set up.
    public = {name for name, _ in inspect.getmembers(port, inspect.isfunction)}
    public = {name for name in public if not name.startswith("_")}
    missing = {name for name in public if name not in vars(wrapper)}
    assert not missing, f"{wrapper.__name__} does not hand on {sorted(missing)}"


async def test_the_cart_write_that_records_the_submit_order_crashes(
    store: SqliteDocumentStore,
) -> None:
    carts = FaultyCarts(CartRepository(store), injector(FaultCrashPoints=AFTER_CART_WRITE))
    saved = await carts.add(open_cart())
    cart = saved.value
    cart.add_item(next(iter(MENU.values())), 1, NOW)
    saved = await carts.replace(cart, saved.etag)  # an open cart's write: no crash
    cart = saved.value
    cart.submit("correlation", NOW)
    with pytest.raises(Crashed, match=AFTER_CART_WRITE):
        await carts.replace(cart, saved.etag)
    stored = await carts.get("anna", "c-1")
    assert stored is not None
    assert stored.value.ordered, "the crash comes after the write"
    cart = stored.value
    cart.mark_outbox_sent(NOW)
    await carts.replace(cart, stored.etag)  # marking it sent: no crash


async def test_order_faults_fire_before_and_after_the_order_write(
    store: SqliteDocumentStore,
) -> None:
    cart = open_cart()
    order = Order.place(cart.submit("correlation", NOW), NOW)
    before = FaultyOrders(OrderRepository(store), injector(FaultHandlerFailBeforeOrderRate="1"))
    with pytest.raises(InjectedFault, match="before"):
        await before.add_if_absent(order)
    assert await before.get("anna", order.id) is None

    after = FaultyOrders(OrderRepository(store), injector(FaultHandlerFailAfterOrderRate="1"))
    with pytest.raises(InjectedFault, match="after"):
        await after.add_if_absent(order)
    assert await after.get("anna", order.id) == order


async def test_only_creating_the_order_crashes_after_the_order_write(
    store: SqliteDocumentStore,
) -> None:
    cart = open_cart()
    order = Order.place(cart.submit("correlation", NOW), NOW)
    orders = FaultyOrders(OrderRepository(store), injector(FaultCrashPoints=AFTER_ORDER_WRITE))
    with pytest.raises(Crashed, match=AFTER_ORDER_WRITE):
        await orders.add_if_absent(order)
    assert await orders.add_if_absent(order) is False, "a duplicate creates nothing: no crash"


async def test_a_faulty_sender_sends_through_when_no_fault_is_drawn(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "queue.sqlite3", "q")
    sender = FaultySender(queue, injector(FaultSendFailFirst="1"))
    message = OutgoingMessage(body=b"{}", message_id="m-1")
    try:
        with pytest.raises(InjectedFault):
            await sender.send(message)
        assert (await queue.counts()).active == 0
        await sender.send(message)
        assert [m.message_id for m in await queue.receive(5)] == ["m-1"]
    finally:
        await sender.close()
