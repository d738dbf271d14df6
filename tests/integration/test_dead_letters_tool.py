"""The dead-letter command on the embedded backends: list, show and re-queue from both places."""

import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

import ProcessSubmitOrder
from local_host.service_bus_message import to_function_message
from shared import bootstrap
from shared.adapters.sqlite_queue import SqliteQueue
from shared.domain.order import Order
from shared.ports import OutgoingMessage
from shared.repositories import OrderRepository
from tests.conftest import embedded_settings
from tools.dead_letters import run


@pytest.fixture
async def settings(tmp_path: Path) -> dict[str, str]:
    """A poison message in the poison store and a message in the dead-letter queue."""
    values = embedded_settings(tmp_path / "data")
    bootstrap.configure(values)
    queue = bootstrap.application().sender
    assert isinstance(queue, SqliteQueue)
    try:
        for message_id, body in (("garbage-1", b"\xff garbage"), ("stuck-1", b'{"x": 1}')):
            await queue.send(
                OutgoingMessage(body=body, message_id=message_id, correlation_id="trace-3")
            )
        garbage, stuck = await queue.receive(2)
        await ProcessSubmitOrder.main(to_function_message(garbage))
        await queue.complete(garbage)
        await queue.dead_letter(stuck, "LockLostTooOften", "The worker kept dying.")
    finally:
        await bootstrap.shutdown()
    return values


async def command(settings: dict[str, str], tmp_path: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = await run(["--app-dir", str(tmp_path), *argv], environ=settings, out=out)
    return code, out.getvalue()


async def test_list_shows_poison_messages_and_dead_letters(
    settings: dict[str, str], tmp_path: Path
) -> None:
    code, out = await command(settings, tmp_path, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["SOURCE", "ID", "STATUS", "REASON"]
    rows = {line.split()[1]: line.split() for line in lines[1:]}
    assert rows["garbage-1"][:4] == ["poison", "garbage-1", "poisoned", "UndecodableBody"]
    assert rows["stuck-1"][:4] == ["dlq", "stuck-1", "dead-lettered", "LockLostTooOften"]

    code, out = await command(settings, tmp_path, "list", "--source", "dlq")
    assert [line.split()[1] for line in out.splitlines()[1:]] == ["stuck-1"]


async def test_show_prints_the_whole_record_with_its_body(
    settings: dict[str, str], tmp_path: Path
) -> None:
    code, out = await command(settings, tmp_path, "show", "stuck-1")
    assert code == 0
    shown = json.loads(out)
    assert shown["bodyText"] == '{"x": 1}'
    assert shown["correlationId"] == "trace-3"
    assert shown["deadLetterErrorDescription"] == "The worker kept dying."

    code, out = await command(settings, tmp_path, "show", "garbage-1")
    shown = json.loads(out)
    assert shown["bodyText"] is None
    assert shown["bodyBase64"] == "/yBnYXJiYWdl"
    assert shown["reason"] == "UndecodableBody"


async def test_an_unknown_id_is_an_error(
    settings: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = await command(settings, tmp_path, "show", "nope")
    assert code == 1
    assert "No poison or dead-lettered message 'nope'" in capsys.readouterr().err
    code, _ = await command(settings, tmp_path, "requeue", "stuck-1", "--source", "poison")
    assert code == 1


async def test_a_bad_setting_is_reported_by_name(
    settings: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = await command({**settings, "MessagingBackend": "carrier-pigeon"}, tmp_path, "list")
    assert code == 2
    assert "'MessagingBackend'" in capsys.readouterr().err


async def test_requeue_puts_messages_back_on_the_queue(
    settings: dict[str, str], tmp_path: Path
) -> None:
    code, out = await command(settings, tmp_path, "requeue", "garbage-1")
    assert (code, out) == (0, "Re-queued poison message garbage-1 as garbage-1:requeue:1\n")
    code, out = await command(settings, tmp_path, "requeue", "stuck-1")
    assert code == 0
    assert "in place" in out

    queue = SqliteQueue(Path(settings["EmbeddedDataDir"]) / "queue.sqlite3", "submit-order")
    try:
        waiting = {m.message_id: m for m in await queue.receive(10)}
        assert set(waiting) == {"garbage-1:requeue:1", "stuck-1"}
        assert waiting["garbage-1:requeue:1"].body == b"\xff garbage"
        assert waiting["garbage-1:requeue:1"].correlation_id == "trace-3"
        assert waiting["stuck-1"].delivery_count == 1
        assert await queue.dead_letters() == []
    finally:
        await queue.close()

    code, out = await command(settings, tmp_path, "list")
    rows = [line.split() for line in out.splitlines()[1:]]
    assert [row[:3] for row in rows] == [["poison", "garbage-1", "requeued"]]


async def place_order(settings: dict[str, str], *, customer: str, order_id: str) -> None:
    bootstrap.configure(settings)
    try:
        now = datetime.now(UTC)
        await OrderRepository(bootstrap.application().store).add_if_absent(
            Order(
                id=order_id, cart_id=order_id, customer=customer, items=[],
                total=Decimal("0.00"), currency="PLN", submitted_at=now, placed_at=now,
            )
        )  # fmt: skip
    finally:
        await bootstrap.shutdown()


async def dead_letter_orders(settings: dict[str, str]) -> None:
    """Dead letters for a placed order ("late-1") and for one never placed ("lost-1")."""
    await place_order(settings, customer="ann", order_id="order-late")
    bootstrap.configure(settings)
    queue = bootstrap.application().sender
    assert isinstance(queue, SqliteQueue)
    try:
        for message_id, order_id in (("late-1", "order-late"), ("lost-1", "order-lost")):
            body = json.dumps({"customer": "ann", "orderId": order_id}).encode()
            await queue.send(OutgoingMessage(body=body, message_id=message_id))
            (received,) = await queue.receive(1)
            await queue.dead_letter(received, "MaxDeliveryCountExceeded", "Lock lost.")
    finally:
        await bootstrap.shutdown()


async def test_list_says_for_each_message_whether_its_order_exists(
    settings: dict[str, str], tmp_path: Path
) -> None:
    await dead_letter_orders(settings)

    code, out = await command(settings, tmp_path, "list")

    assert code == 0
    header, *lines = out.splitlines()
    assert header.split()[4] == "ORDER"
    orders = {line.split()[1]: line.split()[4] for line in lines}
    assert orders == {"late-1": "placed", "lost-1": "missing", "stuck-1": "-", "garbage-1": "-"}


async def test_purge_placed_removes_exactly_the_dead_letters_whose_order_exists(
    settings: dict[str, str], tmp_path: Path
) -> None:
    await dead_letter_orders(settings)

    code, out = await command(settings, tmp_path, "purge-placed", "--dry-run")
    assert (code, out.splitlines()[-1]) == (0, "1 dead letter(s) would be purged.")
    code, out = await command(settings, tmp_path, "purge-placed")
    assert code == 0
    assert out.splitlines() == [
        "Purged dead letter late-1: its order was placed",
        "1 dead letter(s) purged.",
    ]

    code, out = await command(settings, tmp_path, "list")
    assert sorted(line.split()[1] for line in out.splitlines()[1:]) == [
        "garbage-1",
        "lost-1",
        "stuck-1",
    ]


@pytest.mark.parametrize("limit", ["-5", "0", "100001", "ten"])
async def test_an_out_of_range_limit_is_a_usage_error(
    settings: dict[str, str], tmp_path: Path, limit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        await command(settings, tmp_path, "list", "--limit", limit)
    assert exit_.value.code == 2
    assert "must be a whole number from 1 to 100000" in capsys.readouterr().err
