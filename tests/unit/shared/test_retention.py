"""Retention: poison records expire on both backends; carts and orders are kept."""

from shared.poison_store import POISON_MESSAGES
from shared.repositories import CARTS, ORDERS
from shared.retention import POISON_RECORD_TIME_TO_LIVE, TIME_TO_LIVE_SECONDS
from tools.provision import time_to_live_problem


def test_poison_records_live_30_days_and_carts_and_orders_do_not_expire() -> None:
    assert TIME_TO_LIVE_SECONDS == {POISON_MESSAGES: 30 * 24 * 3600}
    assert POISON_RECORD_TIME_TO_LIVE.days == 30
    assert CARTS not in TIME_TO_LIVE_SECONDS
    assert ORDERS not in TIME_TO_LIVE_SECONDS


def test_provisioning_warns_about_a_container_with_another_time_to_live() -> None:
    ttl = TIME_TO_LIVE_SECONDS[POISON_MESSAGES]

    assert time_to_live_problem({"defaultTtl": ttl}, ttl) is None
    assert time_to_live_problem({}, None) is None
    problem = time_to_live_problem({}, ttl)
    assert problem is not None
    assert f"--ttl {ttl}" in problem
    assert "--ttl -1" in (time_to_live_problem({"defaultTtl": 60}, None) or "")
