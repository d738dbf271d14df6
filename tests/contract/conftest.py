"""Fixtures that run each contract test once per backend (see backends.py)."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from shared.ports import DocumentStore
from tests.contract.backends import (
    CONFIGURED_SERVICES,
    DOCUMENT_STORES,
    QUEUES,
    QueueUnderTest,
    unique,
)
from tests.stand_ins.cosmosdb_server import cosmosdb_server
from tests.stand_ins.servicebus_broker import servicebus_broker


def _backend_params(names: list[str]) -> list[object]:
    return [
        pytest.param(name, id=name, marks=pytest.mark.azure if name in CONFIGURED_SERVICES else ())
        for name in names
    ]


@pytest.fixture(scope="session")
def cosmosdb_stand_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Cosmos DB stand-in for the whole session; yields its connection string."""
    log = tmp_path_factory.mktemp("cosmosdb-stand-in") / "server.log"
    with cosmosdb_server(log) as connection:
        yield connection


@pytest.fixture(scope="session")
def servicebus_stand_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Service Bus test broker for the whole session; yields its connection string."""
    log = tmp_path_factory.mktemp("servicebus-stand-in") / "broker.log"
    with servicebus_broker(log) as connection:
        yield connection


@pytest.fixture(params=_backend_params(list(DOCUMENT_STORES)))
async def document_store(
    request: pytest.FixtureRequest, tmp_path: Path, container: str, queue_container: str
) -> AsyncIterator[DocumentStore]:
    # Partitioned as the app's containers are: carts by customer, poison records by queue.
    partition_fields = {container: "customer", queue_container: "queue"}
    async with DOCUMENT_STORES[request.param](request, tmp_path, partition_fields) as store:
        yield store


@pytest.fixture(params=_backend_params(list(QUEUES)))
async def queue(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[QueueUnderTest]:
    # A queue per test, so a run against Azure can share one namespace with other runs.
    async with QUEUES[request.param](
        request, tmp_path, unique("contract-queue")
    ) as queue_under_test:
        yield queue_under_test


@pytest.fixture
def container() -> str:
    """A container name no other test uses, so tests can share one Cosmos DB account; its
    documents keep their partition key in ``customer``."""
    return unique("contract")


@pytest.fixture
def queue_container() -> str:
    """Another container of the test's own, partitioned by a ``queue`` field instead."""
    return unique("contract-by-queue")
