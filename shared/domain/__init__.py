"""Domain model: the menu, shopping carts, orders and the messages between them."""
