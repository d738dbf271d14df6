"""Which Cosmos DB SDK errors mean "the service cannot serve now", as BackendUnavailable.

- 429 reaches the app only after the SDK's own retries (``RETRY_TOTAL`` in cosmos_documents):
  throttling that lasts; its ``x-ms-retry-after-ms`` becomes Retry-After.
- 408, 503 and the gateway's 502/504 are the service's own "try again later".
- A connection that cannot be made or breaks (azure-core ServiceRequestError /
  ServiceResponseError) and the SDK's client timeout are outages seen from here.

Everything else (400, 401/403, 404, 409, 412, 413, 500) is left as it is: a bug or a
configuration error must not be hidden behind a "try again".
"""

import math

from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.cosmos.exceptions import CosmosClientTimeoutError, CosmosHttpResponseError

from shared.ports import BackendUnavailable

THROTTLED = 429
_UNAVAILABLE_STATUSES = frozenset({408, 502, 503, 504})
RETRY_AFTER_HEADER = "x-ms-retry-after-ms"
DEFAULT_RETRY_AFTER_SECONDS = 1


def cosmos_outage(error: Exception) -> BackendUnavailable | None:
    if isinstance(error, CosmosHttpResponseError):
        if error.status_code == THROTTLED:
            return BackendUnavailable(
                "Cosmos DB is throttling requests (429) beyond the SDK's retries.",
                retry_after_seconds=_retry_after_seconds(error),
            )
        if error.status_code in _UNAVAILABLE_STATUSES:
            return BackendUnavailable(f"Cosmos DB answered {error.status_code}.")
        return None
    if isinstance(error, CosmosClientTimeoutError):
        return BackendUnavailable("Cosmos DB did not answer in time.")
    if isinstance(error, ServiceRequestError | ServiceResponseError):
        return BackendUnavailable(f"Cosmos DB cannot be reached: {type(error).__name__}.")
    return None


def _retry_after_seconds(error: CosmosHttpResponseError) -> int:
    raw = error.headers.get(RETRY_AFTER_HEADER) if error.headers else None
    try:
        milliseconds = float(raw) if raw is not None else None
    except ValueError:
        milliseconds = None
    if milliseconds is None or not math.isfinite(milliseconds) or milliseconds <= 0:
        return DEFAULT_RETRY_AFTER_SECONDS
    return math.ceil(milliseconds / 1000)
