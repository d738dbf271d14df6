"""Fixtures that run each contract test once per backend (see backends.py)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.ports import DocumentStore
from tests.contract.backends import DOCUMENT_STORES, EMBEDDED, QUEUES, QueueUnderTest, unique


def _backend_params(names: list[str]) -> list[object]:
    return [
        pytest.param(name, id=name, marks=() if name == EMBEDDED else pytest.mark.azure)
        for name in names
    ]


@pytest.fixture(params=_backend_params(list(DOCUMENT_STORES)))
async def document_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DocumentStore]:
    async with DOCUMENT_STORES[request.param](tmp_path) as store:
        yield store


@pytest.fixture(params=_backend_params(list(QUEUES)))
async def queue(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[QueueUnderTest]:
    # A queue per test, so a run against Azure can share one namespace with other runs.
    async with QUEUES[request.param](tmp_path, unique("contract-queue")) as queue_under_test:
        yield queue_under_test


@pytest.fixture
def container() -> str:
    """A container name no other test uses, so tests can share one Cosmos DB account."""
    return unique("contract")
