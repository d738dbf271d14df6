"""Shared fixtures: app settings for the embedded backends in a temporary directory."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared import bootstrap


def embedded_settings(data_dir: Path) -> dict[str, str]:
    return {
        "StorageBackend": "sqlite",
        "MessagingBackend": "sqlite",
        "EmbeddedDataDir": str(data_dir),
        "SubmitOrderQueue": "submit-order",
        "EmbeddedQueueLockDurationSeconds": "30",
        "EmbeddedQueueMaxDeliveryCount": "3",
    }


@pytest.fixture
async def app_settings(tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """The process-wide application configured on real SQLite files in tmp_path."""
    settings = embedded_settings(tmp_path / "data")
    bootstrap.configure(settings)
    yield settings
    await bootstrap.shutdown()
