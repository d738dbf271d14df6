"""The Service Bus sender's message mapping, connection life cycle and reachability check,
without a server.

FakeSdkSender stands in for azure.servicebus.aio.ServiceBusSender only: it records the real
azure.servicebus.ServiceBusMessage objects the adapter builds, and can fail like the SDK does.
"""

import asyncio

import pytest
from azure.servicebus import ServiceBusMessage
from azure.servicebus.exceptions import ServiceBusConnectionError

from shared.adapters.azure_connections import ServiceBusConnectionString
from shared.adapters.servicebus_sender import (
    ServiceBusConnectionHandle,
    ServiceBusSender,
    open_service_bus_sender,
    to_service_bus_message,
)
from shared.ports import OutgoingMessage
from shared.settings import SettingError, Settings

# The Service Bus emulator's fixed, publicly documented development connection string.
EMULATOR_SERVICE_BUS = (
    "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;"
    "SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;"
)
MESSAGE = OutgoingMessage(
    body=b'{"orderId":"cart-1"}',
    message_id="msg-1",
    correlation_id="corr-1",
    subject="SubmitOrder",
    application_properties={"messageType": "SubmitOrder", "schemaVersion": 1},
)


class FakeSdkSender:
    """Fake of azure.servicebus.aio.ServiceBusSender: records messages, flags overlapping sends."""

    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[ServiceBusMessage] = []
        self.error = error
        self.closed = False
        self.in_flight = 0
        self.overlapped = False

    async def send_messages(self, message: ServiceBusMessage) -> None:
        self.in_flight += 1
        self.overlapped |= self.in_flight > 1
        await asyncio.sleep(0)  # A real send awaits the broker; let other tasks run meanwhile.
        self.in_flight -= 1
        if self.error is not None:
            raise self.error
        self.sent.append(message)

    async def close(self) -> None:
        self.closed = True


class FakeSdkClient:
    """Fake of azure.servicebus.aio.ServiceBusClient: only close() is used by the adapter."""

    def __init__(self) -> None:
        self.closed = False

    async def close(self) -> None:
        self.closed = True


def sender_with(
    fake: FakeSdkSender, client: FakeSdkClient, connects: list[int]
) -> ServiceBusSender:
    async def connect() -> ServiceBusConnectionHandle:
        connects.append(1)
        await asyncio.sleep(0)
        return ServiceBusConnectionHandle(client, fake)  # type: ignore[arg-type]

    return ServiceBusSender(connect, "submit-order")


def test_the_sdk_message_carries_the_ports_properties() -> None:
    message = to_service_bus_message(MESSAGE)
    assert b"".join(message.body) == b'{"orderId":"cart-1"}'
    assert message.message_id == "msg-1"
    assert message.correlation_id == "corr-1"
    assert message.content_type == "application/json"
    assert message.subject == "SubmitOrder"
    assert message.application_properties == {"messageType": "SubmitOrder", "schemaVersion": 1}


def test_optional_properties_stay_unset() -> None:
    message = to_service_bus_message(OutgoingMessage(body=b"{}", message_id="msg-2"))
    assert message.correlation_id is None
    assert message.subject is None
    assert not message.application_properties


async def test_sends_reuse_one_connection_opened_on_first_send() -> None:
    fake, client, connects = FakeSdkSender(), FakeSdkClient(), []
    sender = sender_with(fake, client, connects)
    assert connects == []  # Nothing connects at construction.
    await asyncio.gather(*(sender.send(MESSAGE) for _ in range(5)))
    assert connects == [1]
    assert [m.message_id for m in fake.sent] == ["msg-1"] * 5


async def test_concurrent_sends_never_overlap_on_the_sdk_sender() -> None:
    fake = FakeSdkSender()
    sender = sender_with(fake, FakeSdkClient(), [])
    await asyncio.gather(*(sender.send(MESSAGE) for _ in range(10)))
    assert not fake.overlapped


async def test_a_failed_send_raises_to_the_caller() -> None:
    fake = FakeSdkSender(error=ServiceBusConnectionError(message="link detached"))
    sender = sender_with(fake, FakeSdkClient(), [])
    with pytest.raises(ServiceBusConnectionError):
        await sender.send(MESSAGE)


async def test_close_closes_sender_and_client_and_refuses_later_sends() -> None:
    fake, client = FakeSdkSender(), FakeSdkClient()
    sender = sender_with(fake, client, [])
    await sender.send(MESSAGE)
    await sender.close()
    assert fake.closed
    assert client.closed
    with pytest.raises(RuntimeError, match="closed"):
        await sender.send(MESSAGE)


async def test_closing_an_unused_sender_opens_nothing() -> None:
    connects: list[int] = []
    sender = sender_with(FakeSdkSender(), FakeSdkClient(), connects)
    await sender.close()
    assert connects == []


def test_from_settings_accepts_the_emulator_connection_string() -> None:
    sender = ServiceBusSender.from_settings(
        Settings({"ServiceBusConnection": EMULATOR_SERVICE_BUS}),
        "submit-order",
    )
    assert sender.queue_name == "submit-order"


def test_from_settings_fails_at_once_naming_the_missing_connection() -> None:
    with pytest.raises(SettingError, match="ServiceBusConnection__fullyQualifiedNamespace"):
        ServiceBusSender.from_settings(Settings({}), "submit-order")


async def test_the_emulator_connection_string_opens_a_real_client_without_network_io() -> None:
    connection = ServiceBusConnectionString(EMULATOR_SERVICE_BUS, "sb://localhost")
    handle = await open_service_bus_sender(connection, "submit-order")
    try:
        assert handle.client.fully_qualified_namespace == "localhost"
        assert handle.sender.entity_name == "submit-order"
        assert handle.credential is None
    finally:
        await handle.close()  # Nothing was opened: closing needs no broker either.


# Checking that the queue can be reached, without sending (the health endpoint asks). The SDK
# opens its link on entering the sender; this fake adds that entry.


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
