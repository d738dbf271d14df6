"""Create the Cosmos DB database and containers the app needs; safe to run again.

    python -m tools.provision [--settings local.settings.json] [--without-indexing-policy]
    python -m tools.provision --print-indexing-policy > indexing-policy.json

Creates the containers carts and orders, partitioned by /customer (both renamed by settings),
and poison-messages, partitioned by /queue and with a time to live (shared/retention.py), so
poison records expire.
Reads the app's own settings (CosmosDbConnection or CosmosDbConnection__accountEndpoint,
CosmosDbDatabase, CosmosDbCartsContainer, CosmosDbOrdersContainer) as the local host does: the
environment, on top of the ``Values`` of local.settings.json when that file exists. Existing
containers are left as they are; a container whose partition key differs is an error (exit
status 1), one that lacks the composite indexes or has another time to live a warning.

Service Bus queues are not created here: the emulator declares them in
emulators/servicebus/Config.json; in Azure the template in infra/ creates the queue (and these
containers), or the Azure CLI does (see docs/functions-host.md).
"""

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from azure.core.exceptions import ServiceRequestError
from azure.cosmos import PartitionKey
from azure.cosmos.aio import ContainerProxy, DatabaseProxy

from local_host.app_settings import load_settings
from local_host.errors import StartupError
from shared.adapters.azure_connections import cosmos_connection
from shared.adapters.cosmos_documents import (
    container_names,
    database_name,
    open_cosmos_client,
    partition_key_path,
)
from shared.partitioning import PARTITION_FIELDS
from shared.retention import TIME_TO_LIVE_SECONDS
from shared.settings import SettingError, Settings

# Every container the app uses, by logical name (mapped to Cosmos DB names by the settings),
# and the partition key path it is created with.
APP_CONTAINERS: dict[str, str] = {
    container: partition_key_path(field) for container, field in PARTITION_FIELDS.items()
}

# Everything is indexed (Cosmos DB's default) except the bulky parts no query filters or sorts
# on: cart and order lines, the SubmitOrder copy kept in a cart's outbox, and poison message
# bodies; that makes writes cheaper. The composite indexes serve the ORDER BYs on more than one
# field, which Azure Cosmos DB refuses without a matching composite index:
#   carts query():            ORDER BY c.createdAt DESC, c.id DESC
#   outbox sweep:             ORDER BY c.outbox.recordedAt ASC, c.customer ASC, c.id ASC
#   poison-messages query():  ORDER BY c.recordedAt DESC, c.id DESC
# infra/app/cosmos.bicep sets the same policy (tests/infra keeps the two equal).
# One policy for all containers keeps provisioning simple; an unused composite index only
# adds a little to the cost of writes.
INDEXING_POLICY: dict[str, Any] = {
    "indexingMode": "consistent",
    "automatic": True,
    "includedPaths": [{"path": "/*"}],
    "excludedPaths": [
        {"path": '/"_etag"/?'},
        {"path": "/items/*"},
        {"path": "/outbox/message/*"},
        {"path": "/bodyBase64/?"},
        {"path": "/bodyText/?"},
    ],
    "compositeIndexes": [
        [
            {"path": "/createdAt", "order": "descending"},
            {"path": "/id", "order": "descending"},
        ],
        [
            {"path": "/outbox/recordedAt", "order": "ascending"},
            {"path": "/customer", "order": "ascending"},
            {"path": "/id", "order": "ascending"},
        ],
        [
            {"path": "/recordedAt", "order": "descending"},
            {"path": "/id", "order": "descending"},
        ],
    ],
}


async def ensure_container(
    database: DatabaseProxy,
    name: str,
    partition_key: str,
    *,
    indexing_policy: bool = True,
    time_to_live: int | None = None,
) -> ContainerProxy:
    """The container, created with the partition key path ``partition_key``, the app's indexing
    policy and time to live (seconds; None: documents never expire) if absent."""
    return await database.create_container_if_not_exists(
        id=name,
        partition_key=PartitionKey(path=partition_key),
        indexing_policy=INDEXING_POLICY if indexing_policy else None,
        default_ttl=time_to_live,
    )


def time_to_live_problem(properties: Mapping[str, Any], expected: int | None) -> str | None:
    actual = properties.get("defaultTtl")
    if actual == expected:
        return None
    wanted = "none" if expected is None else f"{expected} s"
    return (
        f"its documents' time to live is {'none' if actual is None else f'{actual} s'}, not"
        f" {wanted}; set it with az cosmosdb sql container update --ttl"
        f" {-1 if expected is None else expected} ... (see docs/reliability.md)"
    )


def partition_key_problem(properties: Mapping[str, Any], expected: str) -> str | None:
    paths = properties.get("partitionKey", {}).get("paths", [])
    if paths == [expected]:
        return None
    return (
        f"partition key is {paths}, not ['{expected}'], and cannot be changed;"
        " recreate the container (docs/reliability.md, Changing a container's partition key)"
    )


def missing_composite_indexes(properties: Mapping[str, Any]) -> list[Any]:
    existing = properties.get("indexingPolicy", {}).get("compositeIndexes", [])
    return [index for index in INDEXING_POLICY["compositeIndexes"] if index not in existing]


async def provision(settings: Settings, *, indexing_policy: bool = True) -> int:
    """Create what is missing; the exit status: 1 if a container cannot serve the app."""
    handle = await open_cosmos_client(cosmos_connection(settings))
    status = 0
    try:
        database = await handle.client.create_database_if_not_exists(id=database_name(settings))
        print(f"database {database.id}: ready")
        names = container_names(settings)
        for logical, partition_key in APP_CONTAINERS.items():
            name = names.get(logical, logical)
            time_to_live = TIME_TO_LIVE_SECONDS.get(logical)
            container = await ensure_container(
                database,
                name,
                partition_key,
                indexing_policy=indexing_policy,
                time_to_live=time_to_live,
            )
            properties = await container.read()
            ttl_problem = time_to_live_problem(properties, time_to_live)
            if ttl_problem is not None:
                print(f"warning: container {name}: {ttl_problem}", file=sys.stderr)
            print(f"container {name} ({logical}), partition key {partition_key}: ready")
            problem = partition_key_problem(properties, partition_key)
            if problem is not None:
                print(f"error: container {name}: {problem}", file=sys.stderr)
                status = 1
            missing = missing_composite_indexes(properties)
            if missing:
                print(
                    f"warning: container {name} has no composite index {json.dumps(missing)};"
                    " Azure Cosmos DB refuses the app's ORDER BY queries without it. Update the"
                    " policy: python -m tools.provision --print-indexing-policy >"
                    " indexing-policy.json, then az cosmosdb sql container update"
                    " --idx @indexing-policy.json ...",
                    file=sys.stderr,
                )
    finally:
        await handle.close()
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.provision",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--settings",
        type=Path,
        help="settings file to read Values from (default: local.settings.json, if it exists)",
    )
    parser.add_argument(
        "--print-indexing-policy",
        action="store_true",
        help="print the containers' indexing policy as JSON (for the Azure CLI) and exit",
    )
    parser.add_argument(
        "--without-indexing-policy",
        action="store_true",
        help="create containers with the default indexing policy (for an emulator that refuses"
        " custom policies; Azure Cosmos DB needs the composite indexes)",
    )
    arguments = parser.parse_args(argv)
    if arguments.print_indexing_policy:
        print(json.dumps(INDEXING_POLICY, indent=2))
        return 0
    try:
        settings = load_settings(Path.cwd(), arguments.settings, os.environ)
        return asyncio.run(
            provision(settings, indexing_policy=not arguments.without_indexing_policy)
        )
    except (StartupError, SettingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ServiceRequestError as error:
        print(f"error: cannot reach Cosmos DB ({error}); is it running?", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
