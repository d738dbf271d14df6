"""Domain errors: small classes carrying what a caller needs to answer the client."""


class DomainError(Exception):
    """A request the domain refuses; never a server fault."""


class CartNotFound(DomainError):
    def __init__(self, cart_id: str) -> None:
        super().__init__(f"Shopping cart '{cart_id}' does not exist.")
        self.cart_id = cart_id


class OrderNotFound(DomainError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order '{order_id}' does not exist.")
        self.order_id = order_id


class UnknownProduct(DomainError):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product '{product_id}' is not on the menu.")
        self.product_id = product_id


class ItemNotInCart(DomainError):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product '{product_id}' is not in the shopping cart.")
        self.product_id = product_id


class QuantityOutOfRange(DomainError):
    def __init__(self, quantity: int, low: int, high: int) -> None:
        super().__init__(
            f"A cart line holds {low} to {high} portions; this change would make it {quantity}."
        )
        self.quantity = quantity


class CartAlreadyOrdered(DomainError):
    def __init__(self, cart_id: str) -> None:
        super().__init__(f"Shopping cart '{cart_id}' has been submitted and can no longer change.")
        self.cart_id = cart_id


class EmptyCart(DomainError):
    def __init__(self, cart_id: str) -> None:
        super().__init__(f"Shopping cart '{cart_id}' is empty; add pierogi before submitting.")
        self.cart_id = cart_id


class StaleVersion(DomainError):
    """The client's If-Match ETag no longer matches the stored document."""

    def __init__(self, resource: str) -> None:
        super().__init__(f"{resource} has changed since it was read; fetch it again and retry.")
