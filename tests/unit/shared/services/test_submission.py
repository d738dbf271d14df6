"""shared/services/submission.py: a submitted cart is saved with its SubmitOrder message, then
sent once (through the function folders, on real SQLite)."""

import json

import pytest

from shared import bootstrap
from tests.integration import function_calls as api

pytestmark = pytest.mark.usefixtures("app_settings")


async def test_a_submitted_cart_sends_one_submit_order_message() -> None:
    cart_id = await api.submitted_cart()
    message = await api.next_message()
    assert message.message_id == f"submit-order-{cart_id}"
    assert message.content_type == "application/json"
    assert message.application_properties["messageType"] == "SubmitOrder"
    body = json.loads(message.get_body())
    assert body["orderId"] == cart_id
    assert body["total"] == "93.00"
    assert await api.app_queue().receive(1) == []
    cart = await bootstrap.application().carts.get_cart("anna", cart_id)
    assert cart.value.outbox is not None
    assert cart.value.outbox.status == "sent"
