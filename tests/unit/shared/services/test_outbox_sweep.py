"""Outbox recovery on real SQLite: messages left pending are sent by the sweep, in batches."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.functions.timer import TimerRequest

import DispatchOutbox
from shared import bootstrap
from shared.adapters.sqlite_queue import SqliteQueue
from shared.bootstrap import Application, build_application
from shared.faulty_ports import FaultySender
from shared.ports import MessageSender, OutgoingMessage
from shared.repositories import CartRepository
from shared.services.outbox import OutboxDispatcher
from shared.services.outbox_sweep import OutboxSweep
from shared.settings import Settings
from tests.conftest import embedded_settings
from tests.integration import function_calls as api


class ManualClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def build(tmp_path: Path, clock: ManualClock, **extra: str) -> Application:
    return build_application(Settings({**embedded_settings(tmp_path), **extra}), clock)


def queue_of(app: Application) -> SqliteQueue:
    sender = app.sender.inner if isinstance(app.sender, FaultySender) else app.sender
    assert isinstance(sender, SqliteQueue)
    return sender


async def submit_new_cart(app: Application, customer: str = "anna") -> str:
    cart = await app.carts.create_cart(customer)
    await app.carts.add_item(customer, cart.value.id, "ruskie", 2, None)
    receipt = await app.submissions.submit(customer, cart.value.id, "corr-1", None)
    return receipt.order_id


async def pending_cart_ids(app: Application) -> set[str]:
    return {c.value.id for c in await CartRepository(app.store).with_pending_outbox(100)}


async def queued_message_ids(queue: SqliteQueue) -> list[str]:
    received = await queue.receive(100)
    return [message.message_id for message in received]


async def test_a_message_whose_send_failed_is_sent_once_the_grace_period_has_passed(
    tmp_path: Path, clock: ManualClock
) -> None:
    app = build(tmp_path, clock, FaultSendFailFirst="1", OutboxResendAfterSeconds="10")
    try:
        order_id = await submit_new_cart(app)
        assert await pending_cart_ids(app) == {order_id}

        clock.advance(9)
        too_early = await app.outbox_sweep.run()
        assert (too_early.resent, too_early.failed) == (0, 0)
        assert await queued_message_ids(queue_of(app)) == []

        clock.advance(1)
        assert (await app.outbox_sweep.run()).resent == 1
        assert await queued_message_ids(queue_of(app)) == [f"submit-order-{order_id}"]
        assert await pending_cart_ids(app) == set()
    finally:
        await app.close()


async def test_the_sweep_works_through_more_entries_than_one_batch(
    tmp_path: Path, clock: ManualClock
) -> None:
    app = build(tmp_path, clock, FaultSendFailFirst="7")
    try:
        order_ids = {await submit_new_cart(app, f"customer{n}") for n in range(7)}
        assert await pending_cart_ids(app) == order_ids
        clock.advance(10)
        sweep = OutboxSweep(CartRepository(app.store), app.outbox, batch_size=3)
        result = await sweep.run()
        assert (result.resent, result.failed) == (7, 0)
        assert set(await queued_message_ids(queue_of(app))) == {
            f"submit-order-{order_id}" for order_id in order_ids
        }
        assert await pending_cart_ids(app) == set()
    finally:
        await app.close()


async def test_a_run_resends_at_most_its_limit_and_the_next_run_continues(
    tmp_path: Path, clock: ManualClock
) -> None:
    app = build(tmp_path, clock, FaultSendFailFirst="5")
    try:
        for n in range(5):
            await submit_new_cart(app, f"customer{n}")
        clock.advance(10)
        sweep = OutboxSweep(CartRepository(app.store), app.outbox, batch_size=2, max_per_run=3)
        assert (await sweep.run()).resent == 3
        assert len(await pending_cart_ids(app)) == 2
        assert (await sweep.run()).resent == 2
        assert await pending_cart_ids(app) == set()
    finally:
        await app.close()


class RefusingSender(MessageSender):
    """A queue that refuses one message (say, one too large for it) and accepts the rest."""

    def __init__(self, inner: MessageSender, refused_message_id: str) -> None:
        self.inner = inner
        self.refused_message_id = refused_message_id

    async def send(self, message: OutgoingMessage) -> None:
        if message.message_id == self.refused_message_id:
            raise ValueError("The message is larger than the queue accepts.")
        await self.inner.send(message)

    async def close(self) -> None:
        await self.inner.close()


async def test_a_message_that_can_never_be_sent_does_not_hold_up_the_others(
    tmp_path: Path, clock: ManualClock
) -> None:
    app = build(tmp_path, clock, FaultSendFailFirst="6")
    try:
        order_ids = [await submit_new_cart(app, f"customer{n}") for n in range(6)]
        clock.advance(10)
        # The oldest entry is refused: it stays at the head of every oldest-first query.
        refusing = RefusingSender(queue_of(app), f"submit-order-{order_ids[0]}")
        outbox = OutboxDispatcher(CartRepository(app.store), refusing, clock)
        sweep = OutboxSweep(CartRepository(app.store), outbox, batch_size=2)
        result = await sweep.run()
        assert (result.resent, result.failed) == (5, 1)
        assert await pending_cart_ids(app) == {order_ids[0]}
    finally:
        await app.close()


async def test_the_timer_function_sends_what_a_failed_submit_left_pending(
    tmp_path: Path,
) -> None:
    settings = {
        **embedded_settings(tmp_path),
        "FaultSendFailFirst": "1",
        "OutboxResendAfterSeconds": "1",
    }
    bootstrap.configure(settings)
    try:
        cart_id = api.json_of(await api.create_cart("anna"))["id"]
        await api.add_item("anna", cart_id, "meat", 1)
        assert (await api.submit("anna", cart_id)).status_code == 202
        queue = queue_of(bootstrap.application())
        assert (await queue.counts()).active == 0

        await DispatchOutbox.main(TimerRequest())
        assert (await queue.counts()).active == 0, "re-sent within the grace period"

        cart = await bootstrap.application().carts.get_cart("anna", cart_id)
        assert cart.value.outbox is not None
        recorded = cart.value.outbox.recorded_at
        # Past the one-second grace period of OutboxResendAfterSeconds.
        await asyncio.sleep(1.05 - (datetime.now(UTC) - recorded).total_seconds())
        await DispatchOutbox.main(TimerRequest())
        assert await queued_message_ids(queue) == [f"submit-order-{cart_id}"]
    finally:
        await bootstrap.shutdown()
