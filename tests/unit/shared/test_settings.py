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


def test_authentication_defaults_to_none_off_azure() -> None:
    assert Settings({}).authentication() == "none"
    assert Settings({"Authentication": "appservice"}).authentication() == "appservice"


def test_an_unknown_authentication_is_refused() -> None:
    with pytest.raises(SettingError, match="'Authentication' is 'easyauth'; expected one of"):
        Settings({"Authentication": "easyauth"}).authentication()


@pytest.mark.parametrize("platform_variable", ["WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME"])
@pytest.mark.parametrize("authentication", [{}, {"Authentication": "none"}])
def test_in_azure_authentication_none_is_refused(
    platform_variable: str, authentication: dict[str, str]
) -> None:
    settings = Settings({platform_variable: "pierogi-shop", **authentication})
    with pytest.raises(SettingError, match="AllowAuthenticationNoneInAzure"):
        settings.authentication()


def test_in_azure_authentication_none_needs_the_explicit_opt_out() -> None:
    in_azure = {"WEBSITE_INSTANCE_ID": "1a2b", "Authentication": "none"}
    with pytest.raises(SettingError):
        Settings({**in_azure, "AllowAuthenticationNoneInAzure": "yes"}).authentication()
    allowed = Settings({**in_azure, "AllowAuthenticationNoneInAzure": "true"})
    assert allowed.authentication() == "none"
    assert Settings({**in_azure, "Authentication": "appservice"}).authentication() == "appservice"
    behind_the_site = Settings({**in_azure, "Authentication": "staticwebapps"})
    assert behind_the_site.authentication() == "staticwebapps"


def test_the_application_refuses_to_start_in_azure_without_authentication(
    tmp_path: Path,
) -> None:
    settings = Settings(
        {
            "StorageBackend": "sqlite",
            "MessagingBackend": "sqlite",
            "EmbeddedDataDir": str(tmp_path),
            "SubmitOrderQueue": "q",
            "WEBSITE_SITE_NAME": "pierogi-shop",
        }
    )
    with pytest.raises(SettingError, match="'Authentication' is 'none' while running in Azure"):
        build_application(settings)
