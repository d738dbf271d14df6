"""What a link attaches to: the ``$cbs`` node, a queue's ``$management`` node, or a queue.

The SDK writes addresses as ``amqp://host/path`` or just ``path``; only the path counts.
Dead letters are the sub-queue ``<queue>/$deadletterqueue`` (any letter case).
"""

from dataclasses import dataclass
from typing import Literal

CBS = "$cbs"
MANAGEMENT = "$management"
DEAD_LETTER_QUEUE = "$deadletterqueue"


@dataclass(frozen=True)
class Address:
    node: Literal["cbs", "management", "entity"]
    # The queue, or its dead-letter sub-queue as "<queue>/$deadletterqueue".
    entity: str = ""


def parse(address: str | None) -> Address | None:
    """The node an address names, or None for an address the broker does not serve."""
    if not address:
        return None
    path = address.split("://", 1)[1].partition("/")[2] if "://" in address else address
    path = path.strip("/")
    if path == CBS:
        return Address("cbs")
    if path.endswith("/" + MANAGEMENT):
        return Address("management", _entity(path.removesuffix("/" + MANAGEMENT)))
    entity = _entity(path)
    if not entity or "$" in entity.removesuffix("/" + DEAD_LETTER_QUEUE):
        return None
    return Address("entity", entity)


def _entity(path: str) -> str:
    queue, _, sub_queue = path.partition("/")
    if sub_queue.lower() == DEAD_LETTER_QUEUE:
        return f"{queue}/{DEAD_LETTER_QUEUE}"
    return path
