"""One typical order driven through the real composition root, its document-store calls counted.

Each call of the DocumentStore port is one Cosmos DB request on Azure (a point read, a create,
a replace, or a query), so these counts are the order's Cosmos DB round trips. Shared by the
test that pins them against docs/performance.md and the one that keeps docs/capacity.md's
derivation in step with them.
"""

import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from shared import bootstrap
from shared.adapters.sqlite_queue import SqliteQueue
from shared.ports import DocumentStore, DocumentStoreWrapper
from shared.repositories import CARTS, ORDERS
from shared.settings import Settings

# A typical order: a customer id as App Service gives it, three fillings, two portions each.
CUSTOMER = "4f1c2b9e-8d7a-4c3b-9e21-6a5d0f3b7c18"
LINES = (("ruskie", 2), ("meat", 2), ("strawberry", 2))

T = TypeVar("T")


class CountingStore(DocumentStoreWrapper):
    """Counts each call by operation and container, then passes it on."""

    def __init__(self, inner: DocumentStore) -> None:
        super().__init__(inner)
        self.calls: Counter[str] = Counter()

    async def around(self, operation: str, container: str, call: Callable[[], Awaitable[T]]) -> T:
        self.calls[f"{operation} {container}"] += 1
        return await call()


@dataclass(frozen=True)
class OrderOperations:
    """What one typical order cost, step by step, and the sizes of what it stored and sent."""

    create_cart: Counter[str]
    add_items: Counter[str]  # all of LINES together
    submit: Counter[str]
    handler: Counter[str]
    messages_sent: int
    function_executions: int  # one per call above: each is what one function does
    # Sizes as the app writes them: compact JSON, UTF-8, without the store's own metadata.
    new_cart_bytes: int  # the cart just created, empty
    open_cart_bytes: int  # the cart with LINES in it, before the submit
    cart_bytes: int  # the submitted cart, with its outbox entry
    order_bytes: int  # the order document
    message_bytes: int  # the SubmitOrder message body


def by_kind(calls: Counter[str]) -> tuple[int, int, int, int]:
    """(point reads, creates, replaces, queries), as the documents' tables have them."""
    kinds = Counter(operation.split()[0] for operation in calls.elements())
    return (kinds["read"], kinds["create"], kinds["replace"], kinds["query"])


def json_bytes(body: object) -> int:
    return len(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())


async def count_one_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> OrderOperations:
    """Build, fill and submit a cart, then run the order handler on the message it sent."""
    real = bootstrap.build_document_store
    counting: list[CountingStore] = []

    def build_counting_store(settings: Settings) -> DocumentStore:
        counting.append(CountingStore(real(settings)))
        return counting[0]

    monkeypatch.setattr(bootstrap, "build_document_store", build_counting_store)
    app = bootstrap.build_application(
        Settings(
            {
                "StorageBackend": "sqlite",
                "MessagingBackend": "sqlite",
                "EmbeddedDataDir": str(tmp_path),
                "SubmitOrderQueue": "submit-order",
            }
        )
    )
    store = counting[0]

    def taken() -> Counter[str]:
        calls = store.calls.copy()
        store.calls.clear()
        return calls

    async def cart_size(cart_id: str) -> int:
        """Read past the counter: the measurement is not one of the order's operations."""
        stored = await store.inner.read(CARTS, CUSTOMER, cart_id)
        assert stored is not None
        return json_bytes(stored.body)

    try:
        cart = (await app.carts.create_cart(CUSTOMER)).value
        create_cart = taken()
        new_cart_bytes = await cart_size(cart.id)
        for product_id, quantity in LINES:
            await app.carts.add_item(CUSTOMER, cart.id, product_id, quantity, None)
        add_items = taken()
        open_cart_bytes = await cart_size(cart.id)
        await app.submissions.submit(CUSTOMER, cart.id, "correlation-1", None)
        submit = taken()
        assert isinstance(app.sender, SqliteQueue)
        messages = await app.sender.receive()
        for message in messages:
            await app.submit_order_handler.handle(message.body)
        handler = taken()
        cart_bytes = await cart_size(cart.id)
        stored_order = await store.inner.read(ORDERS, CUSTOMER, cart.id)
    finally:
        await app.close()
    assert stored_order is not None
    return OrderOperations(
        create_cart=create_cart,
        add_items=add_items,
        submit=submit,
        handler=handler,
        messages_sent=len(messages),
        function_executions=1 + len(LINES) + 1 + len(messages),
        new_cart_bytes=new_cart_bytes,
        open_cart_bytes=open_cart_bytes,
        cart_bytes=cart_bytes,
        order_bytes=json_bytes(stored_order.body),
        message_bytes=sum(len(message.body) for message in messages),
    )
