"""Fault injection, to watch the reliability guarantees hold: off unless its app settings are set.

Each fault is switched on by an app setting (all unset: bootstrap builds no injector and no
fault wrapper at all). The injector decides when a fault fires; the wrappers in
shared/faulty_ports.py fire it around the ports, so the services never see it. Randomness comes
from one seeded ``random.Random`` per process, so a run can be repeated with ``FaultSeed``.
"""

import asyncio
import logging
import math
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from shared.settings import SettingError, Settings

log = logging.getLogger(__name__)

FAULT_SEND_FAILURE_RATE = "FaultSendFailureRate"
FAULT_SEND_FAIL_FIRST = "FaultSendFailFirst"
FAULT_HANDLER_FAIL_BEFORE_ORDER_RATE = "FaultHandlerFailBeforeOrderRate"
FAULT_HANDLER_FAIL_AFTER_ORDER_RATE = "FaultHandlerFailAfterOrderRate"
FAULT_HANDLER_DELAY_SECONDS = "FaultHandlerDelaySeconds"
FAULT_HANDLER_DELAY_RATE = "FaultHandlerDelayRate"
FAULT_CRASH_POINTS = "FaultCrashPoints"
FAULT_CRASH_RATE = "FaultCrashRate"
FAULT_SEED = "FaultSeed"

# Named moments at which a crash loses the most in-flight work.
AFTER_CART_WRITE = "after-cart-write"  # web: cart flagged ordered, message not yet sent
AFTER_ORDER_WRITE = "after-order-write"  # worker: order created, message not yet completed
CRASH_POINTS = (AFTER_CART_WRITE, AFTER_ORDER_WRITE)
# EX_SOFTWARE: tells an injected crash apart from other exits in a supervisor's logs.
CRASH_EXIT_CODE = 70
MAX_DELAY_SECONDS = 600.0


class InjectedFault(Exception):
    """A failure injected on purpose; handled like any transient failure."""


@dataclass(frozen=True)
class FaultSettings:
    send_failure_rate: float = 0.0
    send_fail_first: int = 0
    handler_fail_before_order_rate: float = 0.0
    handler_fail_after_order_rate: float = 0.0
    handler_delay_seconds: float = 0.0
    handler_delay_rate: float = 1.0
    crash_points: frozenset[str] = field(default_factory=frozenset)
    crash_rate: float = 1.0
    seed: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "FaultSettings":
        return cls(
            send_failure_rate=_rate(settings, FAULT_SEND_FAILURE_RATE, 0.0),
            send_fail_first=settings.integer(FAULT_SEND_FAIL_FIRST, 0, minimum=0, maximum=10**9),
            handler_fail_before_order_rate=_rate(settings, FAULT_HANDLER_FAIL_BEFORE_ORDER_RATE),
            handler_fail_after_order_rate=_rate(settings, FAULT_HANDLER_FAIL_AFTER_ORDER_RATE),
            handler_delay_seconds=_number(
                settings, FAULT_HANDLER_DELAY_SECONDS, 0.0, maximum=MAX_DELAY_SECONDS
            ),
            handler_delay_rate=_rate(settings, FAULT_HANDLER_DELAY_RATE, 1.0),
            crash_points=_crash_points(settings),
            crash_rate=_rate(settings, FAULT_CRASH_RATE, 1.0),
            seed=_seed(settings),
        )

    @property
    def affects_sending(self) -> bool:
        return self.send_failure_rate > 0 or self.send_fail_first > 0

    @property
    def affects_cart_writes(self) -> bool:
        return self._may_crash_at(AFTER_CART_WRITE)

    @property
    def affects_order_writes(self) -> bool:
        return (
            self.handler_fail_before_order_rate > 0
            or self.handler_fail_after_order_rate > 0
            or (self.handler_delay_seconds > 0 and self.handler_delay_rate > 0)
            or self._may_crash_at(AFTER_ORDER_WRITE)
        )

    @property
    def enabled(self) -> bool:
        return self.affects_sending or self.affects_cart_writes or self.affects_order_writes

    def _may_crash_at(self, point: str) -> bool:
        return point in self.crash_points and self.crash_rate > 0


def crash_process(point: str) -> NoReturn:
    """Die at once, as a killed process would: no cleanup, no settling of messages."""
    log.critical("Injected crash at %s: exiting with code %d", point, CRASH_EXIT_CODE)
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(CRASH_EXIT_CODE)


class FaultInjector:
    def __init__(
        self,
        settings: FaultSettings,
        rng: random.Random,
        crash: Callable[[str], NoReturn] = crash_process,
    ) -> None:
        self.settings = settings
        self._rng = rng
        self._crash = crash
        self._sends = 0

    def before_send(self) -> None:
        """Raise InjectedFault for the first FaultSendFailFirst sends, then at the set rate."""
        self._sends += 1
        if self._sends <= self.settings.send_fail_first:
            raise InjectedFault(f"Injected send failure {self._sends} (FaultSendFailFirst)")
        if self._chance(self.settings.send_failure_rate):
            raise InjectedFault("Injected send failure (FaultSendFailureRate)")

    async def before_order_write(self) -> None:
        """Before the order's create-if-absent: the message is parsed and its cart read."""
        if self.settings.handler_delay_seconds > 0 and self._chance(
            self.settings.handler_delay_rate
        ):
            # Longer than the queue's lock: the message is delivered again meanwhile, so two
            # deliveries of it race to create the order.
            log.warning("Injected handler delay of %ss", self.settings.handler_delay_seconds)
            await asyncio.sleep(self.settings.handler_delay_seconds)
        if self._chance(self.settings.handler_fail_before_order_rate):
            raise InjectedFault("Injected handler failure before the order write")

    def after_order_write(self, created: bool) -> None:
        """After the order's create-if-absent; ``created`` says whether it wrote the order."""
        if created:
            self.crash_point(AFTER_ORDER_WRITE)
        if self._chance(self.settings.handler_fail_after_order_rate):
            raise InjectedFault("Injected handler failure after the order write")

    def crash_point(self, point: str) -> None:
        if point in self.settings.crash_points and self._chance(self.settings.crash_rate):
            self._crash(point)

    def _chance(self, rate: float) -> bool:
        return rate > 0 and (rate >= 1 or self._rng.random() < rate)


def build_fault_injector(settings: Settings) -> FaultInjector | None:
    """The injector the settings ask for, or None when no fault is switched on."""
    faults = FaultSettings.from_settings(settings)
    if not faults.enabled:
        return None
    seed = faults.seed if faults.seed is not None else random.SystemRandom().randrange(2**32)
    log.warning("Fault injection is ON (%s=%d): %s", FAULT_SEED, seed, faults)
    return FaultInjector(faults, random.Random(seed))


def _number(settings: Settings, name: str, default: float, *, maximum: float) -> float:
    raw = settings.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"App setting '{name}' is '{raw}'; expected a number.") from None
    if not math.isfinite(value) or not 0 <= value <= maximum:
        raise SettingError(f"App setting '{name}' is '{raw}'; expected 0 to {maximum:g}.")
    return value


def _rate(settings: Settings, name: str, default: float = 0.0) -> float:
    return _number(settings, name, default, maximum=1.0)


def _crash_points(settings: Settings) -> frozenset[str]:
    raw = settings.get(FAULT_CRASH_POINTS) or ""
    points = frozenset(point.strip() for point in raw.split(",") if point.strip())
    unknown = sorted(points - set(CRASH_POINTS))
    if unknown:
        raise SettingError(
            f"App setting '{FAULT_CRASH_POINTS}' names unknown crash point(s)"
            f" {', '.join(unknown)}; expected a comma-separated list of: {', '.join(CRASH_POINTS)}."
        )
    return points


def _seed(settings: Settings) -> int | None:
    if settings.get(FAULT_SEED) is None:
        return None
    return settings.integer(FAULT_SEED, 0, minimum=0, maximum=2**63 - 1)
