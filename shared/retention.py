"""How long each container keeps its documents; docs/reliability.md says why.

A container named here has a time to live: a document expires that long after it was last
written, whereupon reads and queries no longer see it and it is deleted. On Cosmos DB this is
the container's ``defaultTtl`` (set by tools/provision.py); the embedded store applies the same
rule itself. Carts and orders are not named: they are kept until deleted.
"""

from datetime import timedelta

from shared.poison_store import POISON_MESSAGES

POISON_RECORD_TIME_TO_LIVE = timedelta(days=30)

TIME_TO_LIVE_SECONDS: dict[str, int] = {
    POISON_MESSAGES: int(POISON_RECORD_TIME_TO_LIVE.total_seconds()),
}
