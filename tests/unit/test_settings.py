"""Settings fail fast and name the setting."""

from pathlib import Path

import pytest

from shared.bootstrap import build_application
from shared.settings import SettingError, Settings


def test_a_missing_setting_is_named() -> None:
    with pytest.raises(SettingError, match="App setting 'StorageBackend' is missing"):
        Settings({}).storage_backend()


def test_an_unknown_backend_lists_the_choices() -> None:
    with pytest.raises(SettingError, match="'StorageBackend' is 'mongo'; expected one of"):
        Settings({"StorageBackend": "mongo"}).storage_backend()


@pytest.mark.parametrize("value", ["abc", "0", "2001", "1.5"])
def test_a_malformed_number_is_refused(value: str) -> None:
    settings = Settings({"EmbeddedDataDir": "/tmp/x", "EmbeddedQueueMaxDeliveryCount": value})
    with pytest.raises(SettingError, match="EmbeddedQueueMaxDeliveryCount"):
        settings.embedded()


def test_embedded_defaults_match_service_bus_defaults(tmp_path: Path) -> None:
    embedded = Settings({"EmbeddedDataDir": str(tmp_path)}).embedded()
    assert embedded.max_delivery_count == 10
    assert embedded.lock_duration.total_seconds() == 30
    assert embedded.queue_path.parent == tmp_path


def test_the_application_is_not_built_without_a_queue_name(tmp_path: Path) -> None:
    settings = Settings(
        {"StorageBackend": "sqlite", "MessagingBackend": "sqlite", "EmbeddedDataDir": str(tmp_path)}
    )
    with pytest.raises(SettingError, match="'SubmitOrderQueue' is missing"):
        build_application(settings)
