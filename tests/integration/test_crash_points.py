"""Crash points really kill the process, and what it left half done is finished by others."""

import asyncio
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from azure.functions.timer import TimerRequest

import DispatchOutbox
import ProcessSubmitOrder
from local_host.service_bus_message import to_function_message
from shared import bootstrap
from shared.adapters.sqlite_queue import SqliteQueue
from shared.faults import CRASH_EXIT_CODE
from tests.integration import function_calls as api
from tests.integration.function_calls import json_of

REPO = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT_SECONDS = 60


async def run_child(settings: dict[str, str], *args: str) -> tuple[int, str]:
    """Run crash_child with these app settings; its exit code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.crash_child",
        *args,
        cwd=REPO,
        env={"PATH": os.environ.get("PATH", ""), **settings},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), CHILD_TIMEOUT_SECONDS)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


def app_queue() -> SqliteQueue:
    sender = bootstrap.application().sender
    assert isinstance(sender, SqliteQueue)
    return sender


async def filled_cart() -> str:
    cart_id: str = json_of(await api.create_cart("anna"))["id"]
    await api.add_item("anna", cart_id, "mushrooms", 4)
    return cart_id


async def test_a_crash_after_the_cart_write_leaves_the_order_to_the_outbox_sweep(
    app_settings: dict[str, str],
) -> None:
    cart_id = await filled_cart()
    crashing = {**app_settings, "FaultCrashPoints": "after-cart-write"}
    code, output = await run_child(crashing, "submit", "anna", cart_id)
    assert code == CRASH_EXIT_CODE, output
    assert "Injected crash at after-cart-write" in output

    # Accepted (the cart is flagged ordered with its message), but nothing was sent.
    cart = await bootstrap.application().carts.get_cart("anna", cart_id)
    assert cart.value.ordered
    assert cart.value.outbox is not None
    assert cart.value.outbox.status == "pending"
    assert (await app_queue().counts()).active == 0

    await bootstrap.shutdown()
    bootstrap.configure({**app_settings, "OutboxResendAfterSeconds": "1"})
    age = (datetime.now(UTC) - cart.value.outbox.recorded_at).total_seconds()
    await asyncio.sleep(max(0.0, 1.05 - age))
    await DispatchOutbox.main(TimerRequest())
    [message] = await app_queue().receive(1)
    await ProcessSubmitOrder.main(to_function_message(message))
    await app_queue().complete(message)
    assert json_of(await api.get_order("anna", cart_id))["status"] == "placed"


async def test_a_crash_after_the_order_write_is_redelivered_and_makes_no_second_order(
    app_settings: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    await bootstrap.shutdown()
    settings = {**app_settings, "EmbeddedQueueLockDurationSeconds": "1"}
    bootstrap.configure(settings)
    cart_id = await filled_cart()
    assert (await api.submit("anna", cart_id)).status_code == 202

    crashing = {**settings, "FaultCrashPoints": "after-order-write"}
    code, output = await run_child(crashing, "deliver")
    assert code == CRASH_EXIT_CODE, output
    assert "Injected crash at after-order-write" in output
    # The crash comes right after the write: the order is there, the message not completed.
    written = await api.get_order("anna", cart_id)
    assert written.status_code == 200
    placed = json_of(written)
    assert (await app_queue().counts()).locked == 1, "the message was not completed"

    await asyncio.sleep(1.1)  # the dead worker's lock expires
    with caplog.at_level(logging.INFO):
        [again] = await app_queue().receive(1)
        assert again.delivery_count == 2
        await ProcessSubmitOrder.main(to_function_message(again))
        await app_queue().complete(again)
    assert json_of(await api.get_order("anna", cart_id)) == placed
    assert f"Order submitted {cart_id}" not in caplog.messages
    assert (await app_queue().counts()).active == 0
