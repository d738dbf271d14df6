"""Connection settings resolved as the Functions bindings resolve them, with named errors."""

import logging
import re

import pytest
from azure.identity.aio import DefaultAzureCredential, ManagedIdentityCredential

from shared.adapters.azure_connections import (
    CosmosKeyConnection,
    IdentityConnection,
    ServiceBusConnectionString,
    async_credential,
    cosmos_connection,
    parse_connection_string,
    quiet_sdk_loggers,
    service_bus_connection,
)
from shared.settings import SettingError, Settings

# The emulators' well-known, publicly documented development credentials - not secrets.
EMULATOR_COSMOS_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)
EMULATOR_COSMOS = f"AccountEndpoint=http://localhost:8081/;AccountKey={EMULATOR_COSMOS_KEY};"
EMULATOR_SERVICE_BUS = (
    "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;"
    "SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;"
)


def settings(**values: str) -> Settings:
    return Settings(values)


def test_a_cosmos_connection_string_gives_endpoint_and_key() -> None:
    connection = cosmos_connection(settings(CosmosDbConnection=EMULATOR_COSMOS))
    assert connection == CosmosKeyConnection("http://localhost:8081/", EMULATOR_COSMOS_KEY)


def test_connection_string_keys_are_case_insensitive_and_values_keep_their_padding() -> None:
    parts = parse_connection_string("X", "accountendpoint=https://a.example/;ACCOUNTKEY=ab==")
    assert parts == {"AccountEndpoint": "https://a.example/", "AccountKey": "ab=="}


def test_the_cosmos_key_is_never_shown_in_the_repr() -> None:
    connection = cosmos_connection(settings(CosmosDbConnection=EMULATOR_COSMOS))
    assert EMULATOR_COSMOS_KEY not in repr(connection)


def test_an_identity_based_cosmos_connection_uses_default_azure_credential() -> None:
    connection = cosmos_connection(
        settings(CosmosDbConnection__accountEndpoint="https://shop.documents.azure.com:443/")
    )
    assert connection == IdentityConnection("https://shop.documents.azure.com:443/", "default")


def test_a_user_assigned_managed_identity_is_chosen_by_client_id() -> None:
    connection = cosmos_connection(
        settings(
            CosmosDbConnection__accountEndpoint="https://shop.documents.azure.com:443/",
            CosmosDbConnection__credential="managedidentity",
            CosmosDbConnection__clientId="00000000-0000-0000-0000-000000000001",
        )
    )
    assert connection == IdentityConnection(
        "https://shop.documents.azure.com:443/",
        "managedidentity",
        "00000000-0000-0000-0000-000000000001",
    )


def test_a_service_bus_connection_string_is_kept_whole_for_the_sdk() -> None:
    connection = service_bus_connection(settings(ServiceBusConnection=EMULATOR_SERVICE_BUS))
    assert connection == ServiceBusConnectionString(EMULATOR_SERVICE_BUS, "sb://localhost")
    assert "SAS_KEY_VALUE" not in repr(connection)


def test_an_identity_based_service_bus_connection_takes_the_namespace_host() -> None:
    connection = service_bus_connection(
        settings(
            ServiceBusConnection__fullyQualifiedNamespace="shop.servicebus.windows.net",
            ServiceBusConnection__credential="managedidentity",
        )
    )
    assert connection == IdentityConnection("shop.servicebus.windows.net", "managedidentity")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "App setting 'CosmosDbConnection__accountEndpoint' is missing"),
        ({"CosmosDbConnection": "not a connection string"}, "'CosmosDbConnection' is not a"),
        (
            {"CosmosDbConnection": "AccountEndpoint=http://localhost:8081/;"},
            "'CosmosDbConnection' is a connection string without 'AccountKey='",
        ),
        (
            {"CosmosDbConnection": "AccountKey=abc==;"},
            "'CosmosDbConnection' is a connection string without 'AccountEndpoint='",
        ),
        (
            {"CosmosDbConnection": "AccountEndpoint=localhost:8081;AccountKey=abc==;"},
            "'CosmosDbConnection' has endpoint 'localhost:8081'; expected an https:// or http://",
        ),
        (
            {"CosmosDbConnection__accountEndpoint": "http://shop.documents.azure.com/"},
            "'CosmosDbConnection__accountEndpoint' has endpoint",
        ),
        (
            {
                "CosmosDbConnection": EMULATOR_COSMOS,
                "CosmosDbConnection__accountEndpoint": "https://shop.documents.azure.com/",
            },
            "'CosmosDbConnection' and 'CosmosDbConnection__accountEndpoint' are both set",
        ),
        (
            {
                "CosmosDbConnection__accountEndpoint": "https://shop.documents.azure.com/",
                "CosmosDbConnection__credential": "clientsecret",
            },
            "'CosmosDbConnection__credential' is 'clientsecret'; expected 'managedidentity'",
        ),
        (
            {
                "CosmosDbConnection__accountEndpoint": "https://shop.documents.azure.com/",
                "CosmosDbConnection__clientId": "00000000-0000-0000-0000-000000000001",
            },
            "'CosmosDbConnection__clientId' is set, but 'CosmosDbConnection__credential'",
        ),
    ],
)
def test_cosmos_connection_errors_name_the_setting(values: dict[str, str], message: str) -> None:
    with pytest.raises(SettingError, match=re.escape(message)):
        cosmos_connection(Settings(values))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "App setting 'ServiceBusConnection__fullyQualifiedNamespace' is missing"),
        (
            {"ServiceBusConnection": "Endpoint=sb://localhost;"},
            "'ServiceBusConnection' has no SharedAccessKeyName and SharedAccessKey",
        ),
        (
            {"ServiceBusConnection": "Endpoint=https://shop.servicebus.windows.net/;"},
            "'ServiceBusConnection' has endpoint 'https://shop.servicebus.windows.net/';"
            " expected an sb:// URL",
        ),
        (
            {"ServiceBusConnection__fullyQualifiedNamespace": "sb://shop.servicebus.windows.net"},
            "'ServiceBusConnection__fullyQualifiedNamespace' is 'sb://shop.servicebus.windows.net'",
        ),
        (
            {
                "ServiceBusConnection": EMULATOR_SERVICE_BUS,
                "ServiceBusConnection__fullyQualifiedNamespace": "shop.servicebus.windows.net",
            },
            "'ServiceBusConnection' and 'ServiceBusConnection__fullyQualifiedNamespace'",
        ),
    ],
)
def test_service_bus_connection_errors_name_the_setting(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingError, match=re.escape(message)):
        service_bus_connection(Settings(values))


def test_an_error_about_a_connection_string_never_shows_its_key() -> None:
    with pytest.raises(SettingError) as raised:
        cosmos_connection(settings(CosmosDbConnection=f"AccountKey={EMULATOR_COSMOS_KEY};"))
    assert EMULATOR_COSMOS_KEY not in str(raised.value)


async def test_managed_identity_with_client_id_builds_a_managed_identity_credential() -> None:
    credential = async_credential(
        IdentityConnection("shop.servicebus.windows.net", "managedidentity", "client-1")
    )
    try:
        assert isinstance(credential, ManagedIdentityCredential)
    finally:
        await credential.close()


async def test_no_credential_setting_builds_default_azure_credential() -> None:
    credential = async_credential(IdentityConnection("shop.servicebus.windows.net", "default"))
    try:
        assert isinstance(credential, DefaultAzureCredential)
    finally:
        await credential.close()


def test_chatty_sdk_loggers_are_raised_to_warning_unless_configured() -> None:
    http = logging.getLogger("azure.core.pipeline.policies.http_logging_policy")
    identity = logging.getLogger("azure.identity")
    saved = http.level, identity.level
    try:
        http.setLevel(logging.NOTSET)
        identity.setLevel(logging.DEBUG)  # Someone asked for these: leave them.
        quiet_sdk_loggers()
        assert http.level == logging.WARNING
        assert identity.level == logging.DEBUG
    finally:
        http.setLevel(saved[0])
        identity.setLevel(saved[1])
