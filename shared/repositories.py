"""Carts and orders as documents: the mapping between domain models and the document store."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.domain.cart import ShoppingCart
from shared.domain.model import CamelModel
from shared.domain.order import Order
from shared.ports import DocumentAlreadyExists, DocumentStore, StoredDocument

CARTS = "carts"
ORDERS = "orders"
# Carts and orders are partitioned by their customer: the field holding the customer's id.
PARTITION_FIELD = "customer"

ModelT = TypeVar("ModelT", bound=CamelModel)


@dataclass(frozen=True)
class Versioned(Generic[ModelT]):
    """A model and the ETag of the stored version it was read from."""

    value: ModelT
    etag: str


@dataclass(frozen=True)
class CartPage:
    carts: list[ShoppingCart]
    continuation_token: str | None


def to_document(model: CamelModel) -> dict[str, object]:
    return model.model_dump(mode="json", by_alias=True)


def _versioned_cart(document: StoredDocument) -> Versioned[ShoppingCart]:
    return Versioned(ShoppingCart.model_validate(document.body), document.etag)


class CartRepository:
    """Carts live in the ``carts`` container, partitioned by customer."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def get(self, customer: str, cart_id: str) -> Versioned[ShoppingCart] | None:
        document = await self._store.read(CARTS, customer, cart_id)
        return _versioned_cart(document) if document else None

    # add and replace answer with the cart they were given, now at the stored version: the
    # document is that cart's own dump, so reading it back would rebuild the same cart.

    async def add(self, cart: ShoppingCart) -> Versioned[ShoppingCart]:
        document = await self._store.create(CARTS, cart.customer, to_document(cart))
        return Versioned(cart, document.etag)

    async def replace(self, cart: ShoppingCart, etag: str) -> Versioned[ShoppingCart]:
        """Compare-and-swap: raises PreconditionFailed if the cart changed since ``etag``."""
        document = await self._store.replace(CARTS, cart.customer, to_document(cart), if_match=etag)
        return Versioned(cart, document.etag)

    async def page(
        self, customer: str, *, ordered: bool | None, limit: int, continuation_token: str | None
    ) -> CartPage:
        page = await self._store.query(
            CARTS,
            customer,
            where={} if ordered is None else {"ordered": ordered},
            newest_first_by="createdAt",
            limit=limit,
            continuation_token=continuation_token,
        )
        carts = [ShoppingCart.model_validate(d.body) for d in page.documents]
        return CartPage(carts, page.continuation_token)

    async def with_pending_outbox(self, limit: int) -> list[Versioned[ShoppingCart]]:
        """Carts whose SubmitOrder is recorded but not known to be sent, oldest first."""
        documents = await self._store.find_across_partitions(
            CARTS,
            where={"outbox.status": "pending"},
            oldest_first_by="outbox.recordedAt",
            limit=limit,
        )
        return [_versioned_cart(d) for d in documents]


class OrderRepository:
    """Orders live in the ``orders`` container, partitioned by customer; id = cart id."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def get(self, customer: str, order_id: str) -> Order | None:
        document = await self._store.read(ORDERS, customer, order_id)
        return Order.model_validate(document.body) if document else None

    async def add_if_absent(self, order: Order) -> bool:
        """Create the order; False (not an error) if it already exists."""
        try:
            await self._store.create(ORDERS, order.customer, to_document(order))
        except DocumentAlreadyExists:
            return False
        return True
