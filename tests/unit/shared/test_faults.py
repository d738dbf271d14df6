"""Fault injection: off by default, validated settings, deterministic with a seed."""

import random
import time
from pathlib import Path
from typing import NoReturn

import pytest

from shared.adapters.sqlite_queue import SqliteQueue
from shared.bootstrap import build_application
from shared.faults import (
    AFTER_CART_WRITE,
    AFTER_ORDER_WRITE,
    FaultInjector,
    FaultSettings,
    InjectedFault,
    build_fault_injector,
)
from shared.settings import SettingError, Settings
from tests.conftest import embedded_settings


class Crashed(Exception):
    """Stands in for the process exit, so the test can see which point crashed."""


def raise_crashed(point: str) -> NoReturn:
    raise Crashed(point)


def injector(seed: int = 1, **settings: str) -> FaultInjector:
    return FaultInjector(
        FaultSettings.from_settings(Settings(settings)), random.Random(seed), raise_crashed
    )


def test_no_fault_settings_means_no_injector_and_an_unwrapped_sender(tmp_path: Path) -> None:
    assert build_fault_injector(Settings({})) is None
    assert build_fault_injector(Settings({"FaultSendFailureRate": "0"})) is None
    app = build_application(Settings(embedded_settings(tmp_path)))
    assert isinstance(app.sender, SqliteQueue)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FaultSendFailureRate", "1.5"),
        ("FaultSendFailureRate", "-0.1"),
        ("FaultSendFailureRate", "often"),
        ("FaultSendFailureRate", "nan"),
        ("FaultSendFailFirst", "-1"),
        ("FaultSendFailFirst", "2.5"),
        ("FaultHandlerFailBeforeOrderRate", "2"),
        ("FaultHandlerFailAfterOrderRate", "inf"),
        ("FaultHandlerDelaySeconds", "-1"),
        ("FaultHandlerDelaySeconds", "601"),
        ("FaultHandlerDelayRate", "x"),
        ("FaultCrashPoints", "after-cart-write,before-lunch"),
        ("FaultCrashRate", "1.01"),
        ("FaultSeed", "seven"),
    ],
)
def test_a_bad_fault_setting_is_an_error_naming_it(name: str, value: str) -> None:
    with pytest.raises(SettingError, match=f"'{name}'"):
        build_fault_injector(Settings({name: value}))


def test_the_first_n_sends_fail_then_sends_pass() -> None:
    faults = injector(FaultSendFailFirst="2")
    for _ in range(2):
        with pytest.raises(InjectedFault):
            faults.before_send()
    for _ in range(5):
        faults.before_send()


def failures(faults: FaultInjector, count: int) -> list[bool]:
    outcomes = []
    for _ in range(count):
        try:
            faults.before_send()
        except InjectedFault:
            outcomes.append(True)
        else:
            outcomes.append(False)
    return outcomes


def test_a_failure_rate_fails_about_that_share_and_a_seed_repeats_the_run() -> None:
    first = failures(injector(seed=7, FaultSendFailureRate="0.3"), 10_000)
    assert 0.27 < sum(first) / len(first) < 0.33
    assert failures(injector(seed=7, FaultSendFailureRate="0.3"), 10_000) == first
    assert failures(injector(seed=8, FaultSendFailureRate="0.3"), 10_000) != first


def test_crash_points_fire_only_where_named() -> None:
    faults = injector(FaultCrashPoints=AFTER_CART_WRITE)
    with pytest.raises(Crashed, match=AFTER_CART_WRITE):
        faults.crash_point(AFTER_CART_WRITE)
    faults.crash_point(AFTER_ORDER_WRITE)
    faults.after_order_write(created=True)


def test_the_order_write_crash_point_fires_only_when_the_order_was_created() -> None:
    # A redelivery that finds the order must be able to complete, or a crash rate of 1 would
    # crash on every delivery of that message.
    faults = injector(FaultCrashPoints=f"{AFTER_ORDER_WRITE}, {AFTER_CART_WRITE}")
    faults.after_order_write(created=False)
    with pytest.raises(Crashed, match=AFTER_ORDER_WRITE):
        faults.after_order_write(created=True)


def test_a_crash_rate_of_zero_never_crashes() -> None:
    faults = injector(FaultCrashPoints=AFTER_CART_WRITE, FaultCrashRate="0")
    for _ in range(100):
        faults.crash_point(AFTER_CART_WRITE)


async def test_handler_faults_fail_before_and_after_the_order_write() -> None:
    with pytest.raises(InjectedFault, match="before"):
        await injector(FaultHandlerFailBeforeOrderRate="1").before_order_write()
    with pytest.raises(InjectedFault, match="after"):
        injector(FaultHandlerFailAfterOrderRate="1").after_order_write(created=False)


async def test_the_handler_delay_holds_the_handler() -> None:
    faults = injector(FaultHandlerDelaySeconds="0.2")
    started = time.monotonic()
    await faults.before_order_write()
    assert time.monotonic() - started >= 0.2
