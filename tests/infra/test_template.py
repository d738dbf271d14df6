"""The Bicep template (infra/) against the code: settings, names, roles, and no secrets.

There is no Bicep compiler here: these tests read the template as parsed by pycep-parser.
"""

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.azure_connections import (
    COSMOS_CONNECTION,
    SERVICE_BUS_CONNECTION,
    IdentityConnection,
    cosmos_connection,
    service_bus_connection,
)
from shared.adapters.cosmos_documents import DEFAULT_DATABASE, container_names, database_name
from shared.adapters.servicebus_sender import ServiceBusSender
from shared.bootstrap import build_application
from shared.poison_store import POISON_MESSAGES
from shared.repositories import CARTS, ORDERS
from shared.settings import AZURE_PLATFORM_VARIABLES, DEFAULT_OUTBOX_SWEEP_SCHEDULE, Settings
from shared.telemetry.setup import managed_identity_client_id
from tests.infra.bicep import (
    ROOT,
    Resource,
    Template,
    all_resources,
    app_settings,
    bicep_files,
    main,
    parse,
    parser,
    resources_of_type,
    the_resource,
    walk,
)
from tests.infra.settings_read import (
    binding_connections,
    settings_read_by_bindings,
    settings_read_by_code,
)
from tools.provision import APP_CONTAINERS, INDEXING_POLICY

# Settings the code reads that must NOT be set in Azure, and why.
NOT_FOR_AZURE = {
    "EmbeddedDataDir": "embedded (SQLite) backends only",
    "EmbeddedQueueLockDurationSeconds": "embedded queue only",
    "EmbeddedQueueMaxDeliveryCount": "embedded queue only",
    "FaultSendFailureRate": "fault injection, for local reliability runs only",
    "FaultSendFailFirst": "fault injection",
    "FaultHandlerFailBeforeOrderRate": "fault injection",
    "FaultHandlerFailAfterOrderRate": "fault injection",
    "FaultHandlerDelaySeconds": "fault injection",
    "FaultHandlerDelayRate": "fault injection",
    "FaultCrashPoints": "fault injection",
    "FaultCrashRate": "fault injection",
    "FaultSeed": "fault injection",
    # In Azure APPLICATIONINSIGHTS_CONNECTION_STRING chooses the exporter; these are for local runs.
    "TelemetryExporter": "local console or OTLP exporter",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "local OTLP exporter",
    "AllowAuthenticationNoneInAzure": "an opt-out of authentication; the template keeps it on",
}
# Read by the app, set by the platform on every instance (how the app knows it runs in Azure).
SET_BY_THE_PLATFORM = set(AZURE_PLATFORM_VARIABLES)

# Identity-based connections: the endpoint setting of each service, as the bindings read them.
ENDPOINT_SUFFIX = {
    COSMOS_CONNECTION: "accountEndpoint",
    SERVICE_BUS_CONNECTION: "fullyQualifiedNamespace",
    "serviceBusTrigger": "fullyQualifiedNamespace",
}

# Stand-ins for values that only exist once Azure has created the resources.
DEPLOYED_VALUES = {
    "CosmosDbConnection__accountEndpoint": "https://cosmos-pierogi-x.documents.azure.com:443/",
    "ServiceBusConnection__fullyQualifiedNamespace": "sb-pierogi-x.servicebus.windows.net",
}
CLIENT_ID = "00000000-0000-0000-0000-00000000c11e"


class RecordingMapping(Mapping[str, str]):
    """App settings that remember every name the app looked up."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return self._values[key]

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return self._values.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def deployed_settings() -> dict[str, str]:
    """The template's app settings as the app would see them in Azure."""
    values: dict[str, str] = {}
    for name, raw in app_settings().items():
        if name in DEPLOYED_VALUES:
            values[name] = DEPLOYED_VALUES[name]
        elif name.endswith("__clientId"):
            values[name] = CLIENT_ID
        elif name == "APPLICATIONINSIGHTS_AUTHENTICATION_STRING":
            values[name] = raw.replace("${identityClientId}", CLIENT_ID)
        elif isinstance(raw, str):
            values[name] = raw
    return values


def output_of(module: str, output: str) -> dict[str, Any]:
    """How Bicep's ``module.outputs.output`` looks once parsed."""
    inner = {
        "operator": {
            "type": "property_accessor",
            "operands": {"operand_1": "outputs", "operand_2": output},
        }
    }
    return {
        "operator": {
            "type": "property_accessor",
            "operands": {"operand_1": module, "operand_2": inner},
        }
    }


async def settings_read_when_built() -> set[str]:
    recording = RecordingMapping(deployed_settings())
    app = build_application(Settings(recording))
    await app.close()
    return recording.read


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bicep_file_parses(path: Path) -> None:
    document = parse(path)
    assert document.get("resources") or document.get("modules"), f"{path} declares nothing"


def test_every_module_file_exists_and_every_file_is_used() -> None:
    used = {(Path("infra") / "main.bicep")}
    for symbol in main().document["modules"]:
        template = main().module_template(symbol)
        assert template.path.is_file(), f"module {symbol}: {template.path} is missing"
        used.add(template.path.relative_to(ROOT))
    assert {path.relative_to(ROOT) for path in bicep_files()} == used


async def test_every_setting_the_app_reads_is_set_by_the_template() -> None:
    read = set(settings_read_by_code()) | set(settings_read_by_bindings())
    read |= await settings_read_when_built()
    for connection, kind in (
        *binding_connections().items(),
        (COSMOS_CONNECTION, COSMOS_CONNECTION),
        (SERVICE_BUS_CONNECTION, SERVICE_BUS_CONNECTION),
    ):
        read |= {f"{connection}__{ENDPOINT_SUFFIX[kind]}", f"{connection}__credential"}
        read |= {f"{connection}__clientId"}
    # The Functions host's own storage, by identity.
    read |= {f"AzureWebJobsStorage__{part}" for part in ("accountName", "credential", "clientId")}
    read.discard(COSMOS_CONNECTION)  # the connection-string forms, which the template must not use
    read.discard(SERVICE_BUS_CONNECTION)
    missing = sorted(read - set(NOT_FOR_AZURE) - SET_BY_THE_PLATFORM - set(app_settings()))
    assert not missing, f"read by the app, not set by infra/: {missing}"


def test_local_only_settings_are_not_set_in_azure() -> None:
    assert not (set(NOT_FOR_AZURE) | SET_BY_THE_PLATFORM) & set(app_settings())
    # Each is really read somewhere; a stale entry here would hide a missing setting.
    assert set(NOT_FOR_AZURE) <= set(settings_read_by_code())


async def test_the_template_settings_build_the_azure_application() -> None:
    # As on a real instance, where the platform sets these.
    settings = Settings(deployed_settings() | dict.fromkeys(AZURE_PLATFORM_VARIABLES, "x"))
    assert settings.running_in_azure()
    assert settings.authentication() == "staticwebapps"
    assert settings.storage_backend() == "cosmos"
    assert settings.messaging_backend() == "servicebus"
    app = build_application(settings)
    await app.close()
    assert isinstance(app.sender, ServiceBusSender)
    for connection in (cosmos_connection(settings), service_bus_connection(settings)):
        assert connection == IdentityConnection(
            endpoint=connection.endpoint, credential="managedidentity", client_id=CLIENT_ID
        )


def test_connections_are_identity_based_and_use_the_app_identity() -> None:
    settings = app_settings()
    for name in (COSMOS_CONNECTION, SERVICE_BUS_CONNECTION, "AzureWebJobsStorage"):
        assert name not in settings, f"{name} would be a connection string"
        assert settings[f"{name}__credential"] == "managedidentity"
    for name in (COSMOS_CONNECTION, SERVICE_BUS_CONNECTION):
        assert settings[f"{name}__clientId"] == output_of("identity", "clientId")
    assert main().module_params("api")["identityClientId"] == output_of("identity", "clientId")
    assert settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == (
        "Authorization=AAD;ClientId=${identityClientId}"
    )
    # Telemetry is exported with the same identity (shared/telemetry reads it this way).
    authentication = deployed_settings()["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]
    assert managed_identity_client_id(authentication) == CLIENT_ID


def test_names_match_the_code_defaults() -> None:
    settings = Settings(deployed_settings())
    template = main()
    assert template.variable("databaseName") == DEFAULT_DATABASE == database_name(settings)
    assert container_names(settings) == {CARTS: CARTS, ORDERS: ORDERS}
    created = [
        template.value(container["name"])
        for container in template.module_params("database")["containers"]
    ]
    assert sorted(created) == sorted([CARTS, ORDERS, POISON_MESSAGES])
    assert settings.get("OutboxSweepSchedule") == DEFAULT_OUTBOX_SWEEP_SCHEDULE
    # The queue the app sends to and the trigger listens on is the one created, with the
    # name the emulator and local.settings.sample.json use.
    queue = the_resource("Microsoft.ServiceBus/namespaces/queues")
    assert template.module_params("messaging")["queueName"] == "submitOrderQueueName"
    sample = json.loads((ROOT / "local.settings.sample.json").read_text(encoding="utf-8"))
    assert settings.submit_order_queue() == sample["Values"]["SubmitOrderQueue"]
    assert settings.submit_order_queue() == template.variable("submitOrderQueueName")
    assert queue.config["name"] == "queueName"


def test_every_container_is_partitioned_and_indexed_as_the_code_expects() -> None:
    template = main()
    declared = {
        template.value(container["name"]): container["partitionKeyPath"]
        for container in template.module_params("database")["containers"]
    }
    # carts and orders by /customer, poison-messages by /queue: as the stores and
    # tools.provision partition them.
    assert declared == APP_CONTAINERS
    container = the_resource("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
    resource = container.properties["resource"]
    # Each container of the loop gets the partition key path declared for it.
    [path] = resource["partitionKey"]["paths"]
    assert path["operator"]["operands"] == {
        "operand_1": "container",
        "operand_2": "partitionKeyPath",
    }
    assert resource["indexingPolicy"] == INDEXING_POLICY


def test_the_queue_is_configured_as_the_reliability_design_assumes() -> None:
    queue = the_resource("Microsoft.ServiceBus/namespaces/queues").properties
    emulator = json.loads((ROOT / "emulators/servicebus/Config.json").read_text(encoding="utf-8"))
    [declared] = [
        q["Properties"]
        for q in emulator["UserConfig"]["Namespaces"][0]["Queues"]
        if q["Name"] == "submit-order"
    ]
    assert queue["requiresDuplicateDetection"] is True
    assert queue["duplicateDetectionHistoryTimeWindow"] == "PT10M"  # the emulator caps at PT5M
    assert queue["maxDeliveryCount"] == declared["MaxDeliveryCount"] == 10
    assert queue["lockDuration"] == declared["LockDuration"]
    assert queue["requiresSession"] is False
    namespace = the_resource("Microsoft.ServiceBus/namespaces")
    assert namespace.config["sku"]["name"] != "Basic"  # Basic has no duplicate detection


def test_the_function_app_is_flex_consumption_python_with_its_own_identity() -> None:
    plan = the_resource("Microsoft.Web/serverfarms")
    assert plan.config["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert plan.properties["reserved"] is True  # Linux
    site = the_resource("Microsoft.Web/sites")
    assert site.config["kind"] == "functionapp,linux"
    assert site.config["identity"]["type"] == "UserAssigned"
    flex = site.properties["functionAppConfig"]
    assert flex["runtime"] == {"name": "python", "version": "3.11"}
    assert flex["deployment"]["storage"]["type"] == "blobContainer"
    assert flex["deployment"]["storage"]["authentication"]["type"] == "UserAssignedIdentity"
    assert site.properties["httpsOnly"] is True
    # Flex Consumption refuses these settings: the runtime comes from functionAppConfig.
    assert not {"FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION"} & set(app_settings())
    assert "API_BASE_URL" in main().document["outputs"]


def authentication_settings() -> Resource:
    [auth] = [
        r
        for r in resources_of_type("Microsoft.Web/sites/config")
        if r.config["name"] == "authsettingsV2"
    ]
    return auth


def test_app_service_authentication_guards_every_route_but_the_anonymous_ones() -> None:
    auth = authentication_settings()
    assert main().module_params("auth")["appName"] == output_of("api", "name")
    assert auth.properties["platform"]["enabled"] is True
    validation = auth.properties["globalValidation"]
    assert validation["requireAuthentication"] is True
    assert validation["unauthenticatedClientAction"] == "Return401"
    assert set(validation["excludedPaths"]) == {"/api/products", "/api/health", "/api/openapi.json"}


def test_the_storefront_site_is_linked_to_the_function_app_on_the_standard_plan() -> None:
    site = the_resource("Microsoft.Web/staticSites")
    assert site.config["sku"] == {"name": "Standard", "tier": "Standard"}
    assert site.properties["stagingEnvironmentPolicy"] == "Disabled"
    # azd deploys azure.yaml's `web` service (the storefront folder) to the site with this tag.
    assert site.config["tags"]["function"]["parameters"]["arg_2"] == {"'azd-service-name'": "web"}
    link = the_resource("Microsoft.Web/staticSites/linkedBackends")
    assert main().module_params("web")["backendResourceId"] == output_of("api", "id")
    assert set(link.properties) == {"backendResourceId", "region"}
    azure_yaml = (ROOT / "azure.yaml").read_text()
    assert re.search(r"\n  web:\n    project: storefront\n    host: staticwebapp\n", azure_yaml)


def test_the_linked_site_is_the_only_way_to_act_for_a_shopper() -> None:
    # The app reads the site's principal, and only the site may call it for a shopper: the
    # provider linking registers, stated by the template (after the link), and no other.
    assert app_settings()["Authentication"] == "staticwebapps"
    assert main().module_params("auth")["staticWebAppHostname"] == output_of(
        "web", "defaultHostname"
    )
    providers = authentication_settings().properties["identityProviders"]
    enabled = {name for name, provider in providers.items() if provider["enabled"] is not False}
    assert enabled == {"azureStaticWebApps"}
    assert providers["azureStaticWebApps"]["registration"]["clientId"] == "staticWebAppHostname"


def test_every_service_refuses_keys() -> None:
    storage = the_resource("Microsoft.Storage/storageAccounts").properties
    assert storage["allowSharedKeyAccess"] is False
    assert storage["allowBlobPublicAccess"] is False
    assert the_resource("Microsoft.DocumentDB/databaseAccounts").properties["disableLocalAuth"]
    assert the_resource("Microsoft.ServiceBus/namespaces").properties["disableLocalAuth"]
    assert the_resource("Microsoft.Insights/components").properties["DisableLocalAuth"]


# What a secret looks like in a parsed template: a list*() call (listKeys, listConnectionStrings,
# listAccountSas, ...), also inside an interpolated string, or a key-bearing connection string.
_LIST_CALL = re.compile(r"\blist[A-Z]\w*\(")
_KEY_PARTS = ("accountkey=", "sharedaccesskey", "sharedaccesssignature", "sig=")


def secrets_in(document: Any) -> list[str]:
    found = []
    for node in walk(document):
        if isinstance(node, dict):
            function = node.get("function")
            if isinstance(function, dict) and str(function.get("type", "")).startswith("list"):
                found.append(f"{function['type']}()")
            accessor = node.get("operator", {})
            if isinstance(accessor, dict) and accessor.get("type") == "function_accessor":
                name = str(accessor["operands"].get("func_name", ""))
                if name.startswith("list"):
                    found.append(f".{name}()")
            if "decorators" in node and any(
                decorator.get("type") == "secure" for decorator in node["decorators"]
            ):
                found.append("@secure() parameter")
        elif isinstance(node, str) and (
            _LIST_CALL.search(node) or any(part in node.lower() for part in _KEY_PARTS)
        ):
            found.append(node)
    return found


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_secret_is_read_set_or_output(path: Path) -> None:
    assert secrets_in(parse(path)) == []


def test_no_connection_string_is_output_or_set_beyond_application_insights() -> None:
    for path in bicep_files():
        for name, output in parse(path).get("outputs", {}).items():
            assert "connectionstring" not in json.dumps(output).lower(), f"{path}: output {name}"
    for name, value in app_settings().items():
        if name != "APPLICATIONINSIGHTS_CONNECTION_STRING":
            assert "connectionstring" not in json.dumps(value).lower(), name


@pytest.mark.parametrize(
    "bicep",
    [
        "output k string = s.listKeys().keys[0].value",
        "output c string = 'AccountKey=${listKeys(s.id, \\'2024-01-01\\').keys[0].value}'",
        "var c = listConnectionStrings(s.id, '2024-11-15')",
        "@secure()\nparam key string",
    ],
)
def test_the_secret_check_finds_secrets(bicep: str) -> None:
    assert secrets_in(parser().parse(text=bicep + "\n")) != []


def role_assignments() -> list[Resource]:
    return resources_of_type("Microsoft.Authorization/roleAssignments")


def test_the_app_identity_holds_exactly_the_roles_it_needs() -> None:
    rbac = main().module_template("rbac")
    roles = set()
    for assignment in role_assignments():
        definition = assignment.properties["roleDefinitionId"]["function"]
        assert definition["type"] == "subscription_resource_id"
        role = rbac.variable(definition["parameters"]["resource_name_1"])
        roles.add((role, assignment.config["scope"]))
        assert assignment.properties["principalId"] == "principalId"
        assert assignment.properties["principalType"] == "ServicePrincipal"
    assert roles == {
        ("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "storage"),  # Storage Blob Data Owner
        ("69a216fc-b8fb-44d8-bc22-1f3c2cd27a39", "queue"),  # Service Bus Data Sender
        ("4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0", "queue"),  # Service Bus Data Receiver
        ("3913510d-42f4-4e42-8a64-420c390055eb", "applicationInsights"),  # Metrics Publisher
    }
    # The roles go to the identity the function app runs as.
    assert main().module_params("rbac")["principalId"] == output_of("identity", "principalId")
    assert main().module_params("api")["identityId"] == output_of("identity", "id")


def test_the_cosmos_role_is_a_data_plane_sql_role_assignment() -> None:
    [assignment] = resources_of_type("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments")
    rbac = Template(assignment.file)
    definition = assignment.properties["roleDefinitionId"]
    assert definition == "${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributor}"
    assert rbac.variable("cosmosDataContributor") == "00000000-0000-0000-0000-000000000002"
    assert assignment.config["parent"] == "cosmos"
    assert assignment.properties["principalId"] == "principalId"
    # No ARM role on the Cosmos DB account: ARM roles do not grant data access.
    assert all(r.config["scope"] != "cosmos" for r in role_assignments())


def test_resources_are_created_once() -> None:
    created = [(r.type, r.symbol) for r in all_resources() if not r.existing]
    assert len(created) == len(set(created))
