"""docker-compose.yml, checked for what makes it start on a clean machine.

No Docker engine runs here, so the file is parsed and its structure checked: the Service Bus
emulator starts only once SQL Server accepts logins, the Cosmos DB emulator is the current
Linux image with a readiness check, and nothing secret is written in the file.
"""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

COMPOSE_FILE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    found: dict[str, Any] = document["services"]
    return found


def healthcheck_command(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL", "one shell command, so that it can use the container's env"
    return " ".join(test[1:])


def test_the_emulators_are_all_there(services: dict[str, Any]) -> None:
    assert set(services) == {"azurite", "sqlserver", "servicebus", "cosmosdb"}


def test_sql_server_is_healthy_only_once_it_accepts_a_login(services: dict[str, Any]) -> None:
    sqlserver = services["sqlserver"]
    command = healthcheck_command(sqlserver)
    assert "sqlcmd" in command
    assert "SELECT 1" in command
    # $$ reaches the container as $: the password comes from its environment, not the file.
    assert '"$$MSSQL_SA_PASSWORD"' in command
    assert sqlserver["healthcheck"]["retries"] * 5 >= 60, "at least a minute to come up"
    # The image is published for amd64 only (the file's comment names the arm64 alternative).
    assert sqlserver["platform"] == "linux/amd64"
    assert "mssql/server" in sqlserver["image"]
    assert "azure-sql-edge" in COMPOSE_FILE.read_text(encoding="utf-8")


def test_the_service_bus_emulator_waits_for_a_healthy_sql_server(
    services: dict[str, Any],
) -> None:
    servicebus = services["servicebus"]
    assert servicebus["depends_on"] == {"sqlserver": {"condition": "service_healthy"}}
    assert "SQL_WAIT_INTERVAL" in servicebus["environment"]
    assert servicebus["environment"]["SQL_SERVER"] == "sqlserver"
    mounts = servicebus["volumes"]
    assert any(m.startswith("./emulators/servicebus/Config.json:") for m in mounts)


def test_cosmos_db_is_the_current_linux_emulator_with_a_readiness_check(
    services: dict[str, Any],
) -> None:
    cosmosdb = services["cosmosdb"]
    assert (
        cosmosdb["image"] == "mcr.microsoft.com/cosmosdb/linux/azure-cosmos-emulator:vnext-latest"
    )
    assert cosmosdb["environment"]["PROTOCOL"] == "http"
    assert "8081:8081" in cosmosdb["ports"]
    assert "8080:8080" in cosmosdb["ports"]
    command = healthcheck_command(cosmosdb)
    assert "/dev/tcp/127.0.0.1/8080" in command
    assert "GET /ready " in command


def test_no_secret_is_written_in_the_file(services: dict[str, Any]) -> None:
    for service in services.values():
        environment = service.get("environment", {})
        for name in ("MSSQL_SA_PASSWORD", "ACCEPT_EULA"):
            if name in environment:
                assert re.fullmatch(r"\$\{" + name + r":\?[^}]+\}", environment[name])
