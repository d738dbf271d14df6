"""The shopping cart: lines of pierogi, the ordered flag and the pending SubmitOrder (outbox)."""

from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field, computed_field

from shared.domain.cart_item import MAX_LINE_QUANTITY, MIN_LINE_QUANTITY, CartItem, lines_total
from shared.domain.errors import CartAlreadyOrdered, EmptyCart, ItemNotInCart, QuantityOutOfRange
from shared.domain.menu import Product
from shared.domain.model import CamelModel
from shared.domain.money import CURRENCY
from shared.domain.submit_order import SubmitOrder
from shared.domain.timestamps import UtcDateTime


class OutboxEntry(CamelModel):
    """The SubmitOrder message, recorded in the same write that flags the cart ordered.

    A crash between that write and the send cannot lose the order: whoever finds the entry
    still ``pending`` (a repeated submit, the outbox dispatcher) sends it again.
    """

    status: Literal["pending", "sent"]
    message_id: str
    correlation_id: str
    # The W3C traceparent of the submit, sent with the message (None when tracing is off).
    trace_parent: str | None = None
    recorded_at: UtcDateTime
    sent_at: UtcDateTime | None = None
    message: SubmitOrder


class ShoppingCart(CamelModel):
    # The outbox is bookkeeping, not part of the API.
    HIDDEN_FROM_API: ClassVar[frozenset[str]] = frozenset({"outbox"})

    id: str
    customer: str
    items: list[CartItem] = Field(default_factory=list)
    currency: str = CURRENCY
    ordered: bool = False
    order_id: str | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    submitted_at: UtcDateTime | None = None
    outbox: OutboxEntry | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> Decimal:
        return lines_total(self.items)

    def add_item(self, product: Product, quantity: int, now: datetime) -> None:
        self._ensure_open()
        line = self._line(product.id)
        new_quantity = quantity + (line.quantity if line else 0)
        if not MIN_LINE_QUANTITY <= new_quantity <= MAX_LINE_QUANTITY:
            raise QuantityOutOfRange(new_quantity, MIN_LINE_QUANTITY, MAX_LINE_QUANTITY)
        if line:
            line.quantity = new_quantity
        else:
            self.items.append(
                CartItem(
                    product_id=product.id,
                    name=product.name,
                    quantity=quantity,
                    unit_price=product.unit_price,
                )
            )
        self.updated_at = now

    def remove_item(self, product_id: str, now: datetime) -> None:
        self._ensure_open()
        line = self._line(product_id)
        if line is None:
            raise ItemNotInCart(product_id)
        self.items.remove(line)
        self.updated_at = now

    def submit(
        self, correlation_id: str, now: datetime, trace_parent: str | None = None
    ) -> SubmitOrder:
        """Flag the cart ordered and record the SubmitOrder message to send.

        The order id is the cart id, so every later lookup of the order is a point read.
        """
        self._ensure_open()
        if not self.items:
            raise EmptyCart(self.id)
        message = SubmitOrder(
            order_id=self.id,
            cart_id=self.id,
            customer=self.customer,
            items=[item.model_copy() for item in self.items],
            total=self.total,
            currency=self.currency,
            submitted_at=now,
        )
        self.ordered = True
        self.order_id = message.order_id
        self.submitted_at = now
        self.updated_at = now
        self.outbox = OutboxEntry(
            status="pending",
            message_id=message.message_id,
            correlation_id=correlation_id,
            trace_parent=trace_parent,
            recorded_at=now,
            message=message,
        )
        return message

    def mark_outbox_sent(self, now: datetime) -> None:
        if self.outbox is not None:
            self.outbox.status = "sent"
            self.outbox.sent_at = now

    def to_api(self) -> dict[str, object]:
        """The cart as shoppers see it."""
        return self.model_dump(mode="json", by_alias=True, exclude=set(self.HIDDEN_FROM_API))

    def _ensure_open(self) -> None:
        if self.ordered:
            raise CartAlreadyOrdered(self.id)

    def _line(self, product_id: str) -> CartItem | None:
        return next((item for item in self.items if item.product_id == product_id), None)
