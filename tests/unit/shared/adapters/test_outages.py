"""Each adapter's outages become BackendUnavailable at the adapter edge; other errors stay."""

import sqlite3
from typing import Any

import pytest
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.cosmos.exceptions import CosmosClientTimeoutError, CosmosHttpResponseError

from shared.adapters.cosmos_errors import cosmos_outage
from shared.adapters.outages import OutageTranslatingStore
from shared.adapters.sqlite_errors import sqlite_outage
from shared.ports import BackendUnavailable, DocumentStore, Page, StoredDocument


class _Response:
    """The one attribute of an azure-core response that CosmosHttpResponseError reads."""

    def __init__(self, status: int, headers: dict[str, str]) -> None:
        self.status_code = status
        self.headers = headers
        self.reason = "reason"

    def text(self) -> str:
        return ""


def cosmos_error(status: int, headers: dict[str, str] | None = None) -> CosmosHttpResponseError:
    return CosmosHttpResponseError(
        status_code=status, message="from the service", response=_Response(status, headers or {})
    )


def test_throttling_past_the_sdk_retries_is_an_outage_with_the_services_retry_after() -> None:
    outage = cosmos_outage(cosmos_error(429, {"x-ms-retry-after-ms": "1500"}))
    assert outage is not None
    assert outage.retry_after_seconds == 2
    assert cosmos_outage(cosmos_error(429)) is not None


@pytest.mark.parametrize("status", [408, 502, 503, 504])
def test_the_services_try_again_later_statuses_are_outages(status: int) -> None:
    assert cosmos_outage(cosmos_error(status)) is not None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412, 413, 500])
def test_other_statuses_are_not_hidden_behind_a_retry(status: int) -> None:
    assert cosmos_outage(cosmos_error(status)) is None


@pytest.mark.parametrize(
    "error",
    [
        ServiceRequestError("connection refused"),
        ServiceResponseError("connection reset"),
        CosmosClientTimeoutError(),
    ],
)
def test_an_unreachable_or_silent_service_is_an_outage(error: Exception) -> None:
    assert cosmos_outage(error) is not None


@pytest.mark.parametrize(
    "message", ["database is locked", "unable to open database file", "disk I/O error"]
)
def test_a_locked_or_unreadable_database_file_is_an_outage(message: str) -> None:
    assert sqlite_outage(sqlite3.OperationalError(message)) is not None


def test_sqlite_bugs_are_not_outages() -> None:
    assert sqlite_outage(sqlite3.OperationalError("no such table: documents")) is None
    assert sqlite_outage(ValueError("database is locked")) is None


class FailingStore(DocumentStore):
    """Raises the given error from every call (a stand-in for an adapter failing)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def read(self, container: str, partition_key: str, id: str) -> StoredDocument | None:
        raise self.error

    async def create(self, container: str, partition_key: str, body: Any) -> StoredDocument:
        raise self.error

    async def replace(
        self, container: str, partition_key: str, body: Any, *, if_match: str
    ) -> StoredDocument:
        raise self.error

    async def query(self, container: str, partition_key: str, **kwargs: Any) -> Page:
        raise self.error

    async def find_across_partitions(self, container: str, **kwargs: Any) -> list[StoredDocument]:
        raise self.error

    async def close(self) -> None:
        pass


async def test_the_wrapper_turns_every_calls_outage_into_backend_unavailable() -> None:
    locked = sqlite3.OperationalError("database is locked")
    store = OutageTranslatingStore(FailingStore(locked), sqlite_outage)
    calls = [
        store.read("carts", "anna", "1"),
        store.create("carts", "anna", {"id": "1", "customer": "anna"}),
        store.replace("carts", "anna", {"id": "1", "customer": "anna"}, if_match="e"),
        store.query(
            "carts", "anna", where={}, newest_first_by="at", limit=1, continuation_token=None
        ),
        store.find_across_partitions("carts", where={}, oldest_first_by="at", limit=1),
    ]
    for call in calls:
        with pytest.raises(BackendUnavailable) as raised:
            await call
        assert raised.value.__cause__ is locked


async def test_the_wrapper_lets_other_errors_through_unchanged() -> None:
    bug = sqlite3.OperationalError("no such table: documents")
    store = OutageTranslatingStore(FailingStore(bug), sqlite_outage)
    with pytest.raises(sqlite3.OperationalError) as raised:
        await store.read("carts", "anna", "1")
    assert raised.value is bug
