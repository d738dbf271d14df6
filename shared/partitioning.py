"""The field each container is partitioned by: its documents carry their partition key there.

On Cosmos DB that field is the container's partition key path (``/customer``, ``/queue``), fixed
when the container is created (tools/provision.py, infra/app/cosmos.bicep) and never changed
afterwards (docs/reliability.md says what to do with a container created otherwise); the
embedded store keeps the same rule. Both stores refuse a container not named here.
"""

from shared.poison_store import PARTITION_FIELD as POISON_PARTITION_FIELD
from shared.poison_store import POISON_MESSAGES
from shared.repositories import CARTS, ORDERS
from shared.repositories import PARTITION_FIELD as CUSTOMER_PARTITION_FIELD

PARTITION_FIELDS: dict[str, str] = {
    CARTS: CUSTOMER_PARTITION_FIELD,
    ORDERS: CUSTOMER_PARTITION_FIELD,
    POISON_MESSAGES: POISON_PARTITION_FIELD,
}
