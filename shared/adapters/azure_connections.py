"""Connection settings for Cosmos DB and Service Bus, read the way the Functions bindings do.

A connection named ``X`` is either a connection string in the setting ``X``, or identity-based:
``X__accountEndpoint`` (Cosmos DB) / ``X__fullyQualifiedNamespace`` (Service Bus), optionally
with ``X__credential=managedidentity`` and ``X__clientId`` for a user-assigned identity. The
app talks to both services through the SDKs directly, so it must resolve these settings itself;
reading them like the bindings do lets one set of app settings serve triggers and code alike.

Parsing only: nothing here opens a connection. Errors are SettingError naming the setting.
"""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from azure.core.credentials_async import AsyncTokenCredential

from shared.settings import SettingError, Settings

COSMOS_CONNECTION = "CosmosDbConnection"
SERVICE_BUS_CONNECTION = "ServiceBusConnection"

# A DNS name: dot-separated labels of letters, digits and inner hyphens.
_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*")


@dataclass(frozen=True)
class IdentityConnection:
    """An identity-based connection: an endpoint and how to get a token for it."""

    endpoint: str
    credential: Literal["default", "managedidentity"]
    client_id: str | None = None


@dataclass(frozen=True, repr=False)
class CosmosKeyConnection:
    """A Cosmos DB account endpoint and key (from ``AccountEndpoint=...;AccountKey=...;``)."""

    endpoint: str
    key: str

    def __repr__(self) -> str:  # Never print the key.
        return f"CosmosKeyConnection(endpoint={self.endpoint!r}, key=<hidden>)"


@dataclass(frozen=True, repr=False)
class ServiceBusConnectionString:
    """A Service Bus connection string (SAS key, or the emulator's development string)."""

    value: str
    endpoint: str

    def __repr__(self) -> str:  # Never print the key.
        return f"ServiceBusConnectionString(endpoint={self.endpoint!r}, value=<hidden>)"


CosmosConnection = CosmosKeyConnection | IdentityConnection
ServiceBusConnection = ServiceBusConnectionString | IdentityConnection


def cosmos_connection(settings: Settings, name: str = COSMOS_CONNECTION) -> CosmosConnection:
    """The Cosmos DB connection named ``name`` (a connection string or identity-based)."""
    raw = _single_form(settings, name, f"{name}__accountEndpoint")
    if raw is None:
        endpoint = settings.require(f"{name}__accountEndpoint")
        _check_https_url(f"{name}__accountEndpoint", endpoint)
        return _identity(settings, name, endpoint)
    parts = parse_connection_string(name, raw)
    endpoint = _part(name, parts, "AccountEndpoint")
    key = _part(name, parts, "AccountKey")
    # http is allowed here only because the Cosmos DB emulator serves plain HTTP by default.
    _check_url(name, endpoint, schemes=("https", "http"))
    return CosmosKeyConnection(endpoint=endpoint, key=key)


def service_bus_connection(
    settings: Settings, name: str = SERVICE_BUS_CONNECTION
) -> ServiceBusConnection:
    """The Service Bus connection named ``name`` (a connection string or identity-based)."""
    raw = _single_form(settings, name, f"{name}__fullyQualifiedNamespace")
    if raw is None:
        namespace = settings.require(f"{name}__fullyQualifiedNamespace")
        if not _HOST_NAME.fullmatch(namespace):
            raise SettingError(
                f"App setting '{name}__fullyQualifiedNamespace' is '{namespace}'; expected a"
                " host name such as 'my-namespace.servicebus.windows.net'."
            )
        return _identity(settings, name, namespace)
    parts = parse_connection_string(name, raw)
    endpoint = _part(name, parts, "Endpoint")
    _check_url(name, endpoint, schemes=("sb",))
    has_key = "SharedAccessKeyName" in parts and "SharedAccessKey" in parts
    if not (has_key or "SharedAccessSignature" in parts):
        raise SettingError(
            f"App setting '{name}' has no SharedAccessKeyName and SharedAccessKey (or"
            " SharedAccessSignature); for an identity-based connection set"
            f" '{name}__fullyQualifiedNamespace' instead."
        )
    return ServiceBusConnectionString(value=raw, endpoint=endpoint)


def parse_connection_string(name: str, raw: str) -> dict[str, str]:
    """``Key=Value;Key=Value;`` into a dict; keys as the canonical spellings used here.

    Keys compare case-insensitively, as in the SDKs; values keep everything after the first
    ``=`` (account keys end in ``=`` padding).
    """
    canonical = {
        key.lower(): key
        for key in (
            "AccountEndpoint",
            "AccountKey",
            "Endpoint",
            "SharedAccessKeyName",
            "SharedAccessKey",
            "SharedAccessSignature",
            "EntityPath",
            "UseDevelopmentEmulator",
        )
    }
    parts: dict[str, str] = {}
    for segment in raw.strip().split(";"):
        if not segment.strip():
            continue
        key, separator, value = segment.partition("=")
        key = key.strip()
        if not separator or not key or not value.strip():
            raise SettingError(
                f"App setting '{name}' is not a connection string of the form"
                " 'Key=Value;Key=Value;' (a part has no key or no value)."
            )
        parts[canonical.get(key.lower(), key)] = value.strip()
    return parts


def async_credential(connection: IdentityConnection) -> AsyncTokenCredential:
    """The azure-identity credential for an identity-based connection (caller closes it)."""
    # Imported here: connection-string deployments never load azure-identity.
    from azure.identity.aio import DefaultAzureCredential, ManagedIdentityCredential

    if connection.credential == "managedidentity":
        if connection.client_id:
            return ManagedIdentityCredential(client_id=connection.client_id)
        return ManagedIdentityCredential()
    return DefaultAzureCredential()


def _single_form(settings: Settings, name: str, identity_setting: str) -> str | None:
    """The connection string, or None if the identity-based form is used; never both."""
    raw = settings.get(name)
    if raw is not None and settings.get(identity_setting) is not None:
        raise SettingError(
            f"App settings '{name}' and '{identity_setting}' are both set; set only one:"
            " a connection string, or the identity-based endpoint."
        )
    return raw


def _identity(settings: Settings, name: str, endpoint: str) -> IdentityConnection:
    credential = settings.get(f"{name}__credential")
    client_id = settings.get(f"{name}__clientId")
    if credential is None:
        if client_id is not None:
            raise SettingError(
                f"App setting '{name}__clientId' is set, but '{name}__credential' is not"
                " 'managedidentity'; a client id selects a user-assigned managed identity."
            )
        return IdentityConnection(endpoint=endpoint, credential="default")
    if credential.lower() != "managedidentity":
        raise SettingError(
            f"App setting '{name}__credential' is '{credential}'; expected 'managedidentity'"
            " (or leave it unset to use DefaultAzureCredential)."
        )
    return IdentityConnection(endpoint=endpoint, credential="managedidentity", client_id=client_id)


def _part(name: str, parts: Mapping[str, str], key: str) -> str:
    value = parts.get(key)
    if value is None:
        raise SettingError(f"App setting '{name}' is a connection string without '{key}='.")
    return value


def _check_https_url(setting: str, value: str) -> None:
    _check_url(setting, value, schemes=("https",))


def _check_url(setting: str, value: str, *, schemes: tuple[str, ...]) -> None:
    expected = " or ".join(f"{scheme}://" for scheme in schemes)
    problem = SettingError(
        f"App setting '{setting}' has endpoint '{value}'; expected an {expected} URL."
    )
    try:
        url = urlsplit(value)
        host = url.hostname
        _ = url.port  # Raises ValueError for a port that is not a number.
    except ValueError:
        raise problem from None
    if url.scheme not in schemes or not host or not _HOST_NAME.fullmatch(host):
        raise problem


# Loggers of the Azure SDKs that log every request (headers included) or every AMQP link state
# change at INFO. The Functions host forwards Information logs to Application Insights, where
# these would drown the app's own logs and cost money.
_CHATTY_SDK_LOGGERS = (
    "azure.core.pipeline.policies.http_logging_policy",
    "azure.identity",
    "azure.servicebus",
)


def quiet_sdk_loggers() -> None:
    """Raise the chatty SDK loggers to WARNING, unless a level was configured for them."""
    for name in _CHATTY_SDK_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)
