"""The dead-letter command's counts: outbox pending, poison stored, dead letters (embedded)."""

from pathlib import Path

from shared import bootstrap
from tests.integration.test_dead_letters_tool import command, settings

__all__ = ["settings"]  # the fixture: one poison message and one dead letter


async def leave_one_submit_pending(values: dict[str, str]) -> None:
    bootstrap.configure({**values, "FaultSendFailFirst": "1"})
    try:
        app = bootstrap.application()
        cart = await app.carts.create_cart("anna")
        await app.carts.add_item("anna", cart.value.id, "ruskie", 1, None)
        await app.submissions.submit("anna", cart.value.id, "corr-1", None)
    finally:
        await bootstrap.shutdown()


async def test_counts_show_what_an_operator_watches(
    settings: dict[str, str], tmp_path: Path
) -> None:
    await leave_one_submit_pending(settings)
    code, out = await command(settings, tmp_path, "counts")
    assert code == 0
    assert out.splitlines() == ["outbox pending: 1", "poison stored:  1", "dead letters:   1"]

    # A re-queued poison message no longer counts as stored poison.
    assert (await command(settings, tmp_path, "requeue", "garbage-1"))[0] == 0
    code, out = await command(settings, tmp_path, "counts", "--limit", "1")
    assert out.splitlines() == ["outbox pending: 1+", "poison stored:  0+", "dead letters:   1+"]
