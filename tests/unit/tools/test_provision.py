"""tools.provision reads the app's settings with the local host's loader (no Cosmos DB needed)."""

import json
from pathlib import Path

import pytest

from tools.provision import main


def test_a_named_settings_file_that_does_not_exist_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--settings", "missing.settings.json"]) == 2
    assert "missing.settings.json does not exist" in capsys.readouterr().err


def test_settings_the_local_host_would_refuse_are_refused_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "local.settings.json").write_text(
        json.dumps({"IsEncrypted": False, "Values": {"CosmosDbConnection": 42}}), encoding="utf-8"
    )
    assert main([]) == 2
    assert "the value of 'CosmosDbConnection' must be a string" in capsys.readouterr().err
