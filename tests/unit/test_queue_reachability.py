"""Checking that the queue can be reached, without sending: the Service Bus adapter's way.

OpeningSdkSender extends the test fake of azure.servicebus.aio.ServiceBusSender (see
test_servicebus_sender) with the context-manager entry the SDK opens its link with.
"""

import pytest
from azure.servicebus.exceptions import ServiceBusConnectionError

from tests.unit.test_servicebus_sender import FakeSdkClient, FakeSdkSender, sender_with


class OpeningSdkSender(FakeSdkSender):
    def __init__(self, error: Exception | None = None) -> None:
        super().__init__()
        self.opened = 0
        self.open_error = error

    async def __aenter__(self) -> "OpeningSdkSender":
        if self.open_error is not None:
            raise self.open_error
        self.opened += 1
        return self


async def test_checking_the_queue_opens_the_link_once_connected_and_sends_nothing() -> None:
    fake, connects = OpeningSdkSender(), []
    sender = sender_with(fake, FakeSdkClient(), connects)
    await sender.check_reachable()
    await sender.check_reachable()
    assert connects == [1]  # one connection, reused
    assert fake.opened == 2
    assert fake.sent == []
    await sender.close()
    assert fake.closed


async def test_a_link_that_cannot_open_is_an_unreachable_queue() -> None:
    sender = sender_with(
        OpeningSdkSender(ServiceBusConnectionError(message="down")), FakeSdkClient(), []
    )
    with pytest.raises(ServiceBusConnectionError):
        await sender.check_reachable()


async def test_a_closed_sender_is_not_reachable() -> None:
    sender = sender_with(OpeningSdkSender(), FakeSdkClient(), [])
    await sender.close()
    with pytest.raises(RuntimeError, match="closed"):
        await sender.check_reachable()
