"""The composition root: settings read when the application is built; each fault wraps the
port it acts on, and only when switched on."""

from pathlib import Path

import pytest

from shared.adapters.sqlite_queue import SqliteQueue
from shared.bootstrap import Application, build_application
from shared.faulty_ports import FaultyCarts, FaultyOrders, FaultySender
from shared.settings import SettingError, Settings
from tests.conftest import embedded_settings


def built(tmp_path: Path, **faults: str) -> Application:
    return build_application(Settings({**embedded_settings(tmp_path), **faults}))


def wrappers(app: Application) -> set[type]:
    # The use cases hold the ports; a wrapper shows as the type of the port they were given.
    ports = [app.sender, app.outbox._carts, app.submit_order_handler._orders]
    return {type(port) for port in ports} & {FaultySender, FaultyCarts, FaultyOrders}


def test_no_fault_setting_wraps_nothing(tmp_path: Path) -> None:
    app = built(tmp_path)
    assert isinstance(app.sender, SqliteQueue)
    assert wrappers(app) == set()


@pytest.mark.parametrize(
    ("setting", "value", "wrapper"),
    [
        ("FaultSendFailureRate", "0.5", FaultySender),
        ("FaultSendFailFirst", "1", FaultySender),
        ("FaultCrashPoints", "after-cart-write", FaultyCarts),
        ("FaultCrashPoints", "after-order-write", FaultyOrders),
        ("FaultHandlerFailBeforeOrderRate", "0.1", FaultyOrders),
        ("FaultHandlerFailAfterOrderRate", "0.1", FaultyOrders),
        ("FaultHandlerDelaySeconds", "1", FaultyOrders),
    ],
)
def test_a_fault_wraps_only_the_port_it_acts_on(
    tmp_path: Path, setting: str, value: str, wrapper: type
) -> None:
    assert wrappers(built(tmp_path, **{setting: value})) == {wrapper}


def test_send_faults_wrap_the_real_sender(tmp_path: Path) -> None:
    app = built(tmp_path, FaultSendFailureRate="0.5")
    assert isinstance(app.sender, FaultySender)
    assert isinstance(app.sender.inner, SqliteQueue)


def test_a_malformed_request_time_limit_stops_the_build(tmp_path: Path) -> None:
    # Read once, when the application is built, not on every request.
    with pytest.raises(SettingError, match="RequestTimeLimitSeconds"):
        built(tmp_path, RequestTimeLimitSeconds="0")
