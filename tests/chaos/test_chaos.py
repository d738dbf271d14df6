"""A small chaos run: web and worker processes crash, are killed and restart while 40 shoppers
order; no accepted order is lost, none is placed twice, no request is answered 5xx, and only
the injected poison messages end up in the poison store. ``make chaos`` runs every mode with
500 orders.
"""

import dataclasses
from pathlib import Path

import pytest

from tests.chaos.harness import MODES, ChaosRun, Mode, RunOptions
from tests.chaos.report import problems

SMALL = RunOptions(orders=40, poison=4, quiesce_timeout=40.0, give_up_after=30.0)


def with_settings(name: str, **settings: str) -> Mode:
    """A mode with higher rates, so that its faults surely fire in a run of 40 orders."""
    mode = MODES[name]
    return dataclasses.replace(mode, settings={**mode.settings, **settings})


@pytest.mark.parametrize(
    ("mode", "fault_counter"),
    [
        (with_settings("crash-after-cart-write", FaultCrashRate="0.15"), "crashes"),
        (with_settings("crash-after-order-write", FaultCrashRate="0.15"), "crashes"),
        (with_settings("all", FaultCrashRate="0.05"), "handler_failures"),
    ],
    ids=lambda value: value.name if isinstance(value, Mode) else None,
)
async def test_no_accepted_order_is_lost_or_placed_twice(
    mode: Mode, fault_counter: str, tmp_path: Path
) -> None:
    result = await ChaosRun(mode, SMALL, tmp_path).run()

    assert problems(result) == []
    assert result.ok
    verdict = result.verdict
    assert verdict.accepted == verdict.attempted == SMALL.orders
    assert verdict.placed == SMALL.orders
    assert (verdict.lost, verdict.duplicated, verdict.unexpected) == (0, 0, 0)
    assert verdict.server_errors == 0, result.server_errors
    assert verdict.poison_stored == verdict.poison_injected == SMALL.poison
    assert verdict.dead_lettered == 0
    # A run in which no fault fired would prove nothing.
    assert getattr(result.logs, fault_counter) > 0
