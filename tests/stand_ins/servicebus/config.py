"""The broker's queues, read from the Service Bus emulator's Config.json.

The same file declares the queues for the emulator of docker-compose.yml, so the broker and the
emulator hold the same queues with the same properties.
"""

import json
import re
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

# ISO 8601 durations as the emulator's Config.json writes them: PT1M, PT5M, PT1H, PT30S.
_DURATION = re.compile(r"P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?")


@dataclass(frozen=True)
class QueueProperties:
    lock_duration: timedelta = timedelta(minutes=1)
    max_delivery_count: int = 10
    requires_duplicate_detection: bool = False
    duplicate_detection_window: timedelta = timedelta(minutes=10)


def duration(text: str) -> timedelta:
    found = _DURATION.fullmatch(text)
    if found is None or text in ("P", "PT"):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    days, hours, minutes, seconds = (int(found[part] or 0) for part in "dhms")
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def read_queues(path: Path, lock_duration: timedelta | None = None) -> dict[str, QueueProperties]:
    """Each queue of the first namespace; ``lock_duration`` overrides them all (for tests)."""
    namespace = json.loads(path.read_text(encoding="utf-8"))["UserConfig"]["Namespaces"][0]
    queues: dict[str, QueueProperties] = {}
    for queue in namespace["Queues"]:
        declared = queue.get("Properties", {})
        properties = QueueProperties(
            lock_duration=duration(declared.get("LockDuration", "PT1M")),
            max_delivery_count=int(declared.get("MaxDeliveryCount", 10)),
            requires_duplicate_detection=bool(declared.get("RequiresDuplicateDetection", False)),
            duplicate_detection_window=duration(
                declared.get("DuplicateDetectionHistoryTimeWindow", "PT10M")
            ),
        )
        if lock_duration is not None:
            properties = replace(properties, lock_duration=lock_duration)
        queues[queue["Name"]] = properties
    return queues
