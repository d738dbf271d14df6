"""The two ports the application uses: a document store and a message sender.

Shaped after Cosmos DB and Service Bus (partition keys, ETags, continuation tokens, message and
correlation ids) so that the embedded SQLite adapters and the Azure adapters are interchangeable.
"""

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

JsonScalar = str | int | bool | None


class StoreError(Exception):
    """Base class for the store outcomes that callers are expected to handle."""


class DocumentAlreadyExists(StoreError):
    """create() found a document with the same id in the partition (Cosmos DB: 409)."""


class DocumentNotFound(StoreError):
    """replace() found no document with that id in the partition (Cosmos DB: 404)."""


class PreconditionFailed(StoreError):
    """replace() was given an ETag that no longer matches (Cosmos DB: 412)."""


class InvalidContinuationToken(StoreError):
    """query() was given a continuation token this store did not issue."""


class BackendUnavailable(Exception):
    """The store or queue cannot serve now (outage, throttling past the SDK's retries, timeout).

    Adapters' own errors for these (Cosmos DB 429/503, a refused connection, a locked SQLite
    file) become this one error at the adapter edge; the HTTP functions answer it with 503 and
    ``Retry-After``, the queue trigger lets it abandon the message for a later delivery.
    """

    def __init__(self, detail: str, *, retry_after_seconds: int = 1) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(1, retry_after_seconds)


@dataclass(frozen=True)
class StoredDocument:
    """A document as stored, without store metadata, and its current ETag."""

    body: dict[str, Any]
    etag: str


def etag_matches_any(stored: str, expected: Collection[str]) -> bool:
    """Strong comparison of a stored ETag with the opaque tags a client expects.

    Cosmos DB keeps its ETags quoted, the SQLite store does not; the quotes are not part of
    the tag.
    """
    return stored.strip('"') in {tag.strip('"') for tag in expected}


@dataclass(frozen=True)
class Page:
    documents: list[StoredDocument]
    # Opaque to callers; None on the last page.
    continuation_token: str | None


class DocumentStore(ABC):
    """Documents in named containers, partitioned by a key stored in the document itself.

    Every document has an ``id`` unique within its partition and carries its partition key in
    its container's partition field (Cosmos DB: the container's partition key path; the app's
    are in shared/partitioning.py); create and replace refuse a body whose field differs
    (ValueError). Every method but find_across_partitions works inside one partition.
    """

    @abstractmethod
    async def read(self, container: str, partition_key: str, id: str) -> StoredDocument | None:
        """Point read by id and partition key; None if absent."""

    @abstractmethod
    async def create(
        self, container: str, partition_key: str, body: Mapping[str, Any]
    ) -> StoredDocument:
        """Create if absent; raises DocumentAlreadyExists if the id is taken."""

    @abstractmethod
    async def replace(
        self, container: str, partition_key: str, body: Mapping[str, Any], *, if_match: str
    ) -> StoredDocument:
        """Compare-and-swap on the ETag; raises PreconditionFailed or DocumentNotFound."""

    @abstractmethod
    async def query(
        self,
        container: str,
        partition_key: str,
        *,
        where: Mapping[str, JsonScalar],
        newest_first_by: str,
        limit: int,
        continuation_token: str | None,
    ) -> Page:
        """One page of the partition's documents whose fields equal ``where``.

        Keys may be dotted paths (``outbox.status``). Ordered by the ``newest_first_by`` field
        (an ISO-8601 UTC timestamp string), descending, then by id descending.
        Raises InvalidContinuationToken for a token this store did not issue.
        """

    @abstractmethod
    async def find_across_partitions(
        self,
        container: str,
        *,
        where: Mapping[str, JsonScalar],
        oldest_first_by: str,
        limit: int,
    ) -> list[StoredDocument]:
        """Up to ``limit`` documents of any partition whose fields equal ``where``, oldest first.

        Keys of ``where`` and ``oldest_first_by`` may be dotted paths (``outbox.status``).
        For background sweeps over an indexed field only - never on a request path: on
        Cosmos DB this is a cross-partition query.
        """

    @abstractmethod
    async def close(self) -> None:
        """Release connections; the store must not be used afterwards."""


class DocumentStoreWrapper(DocumentStore):
    """Passes every call on to ``inner`` through one hook, ``around``: what a wrapper of the
    port adds (outage translation; in tests, counting or provisioning) is written once there.

    ``operation`` is the kind of Cosmos DB request the call is: read, create, replace or query
    (find_across_partitions is a query too).
    """

    def __init__(self, inner: DocumentStore) -> None:
        self.inner = inner

    async def around(self, operation: str, container: str, call: Callable[[], Awaitable[T]]) -> T:
        return await call()

    async def read(self, container: str, partition_key: str, id: str) -> StoredDocument | None:
        return await self.around(
            "read", container, lambda: self.inner.read(container, partition_key, id)
        )

    async def create(
        self, container: str, partition_key: str, body: Mapping[str, Any]
    ) -> StoredDocument:
        return await self.around(
            "create", container, lambda: self.inner.create(container, partition_key, body)
        )

    async def replace(
        self, container: str, partition_key: str, body: Mapping[str, Any], *, if_match: str
    ) -> StoredDocument:
        return await self.around(
            "replace",
            container,
            lambda: self.inner.replace(container, partition_key, body, if_match=if_match),
        )

    async def query(
        self,
        container: str,
        partition_key: str,
        *,
        where: Mapping[str, JsonScalar],
        newest_first_by: str,
        limit: int,
        continuation_token: str | None,
    ) -> Page:
        return await self.around(
            "query",
            container,
            lambda: self.inner.query(
                container,
                partition_key,
                where=where,
                newest_first_by=newest_first_by,
                limit=limit,
                continuation_token=continuation_token,
            ),
        )

    async def find_across_partitions(
        self,
        container: str,
        *,
        where: Mapping[str, JsonScalar],
        oldest_first_by: str,
        limit: int,
    ) -> list[StoredDocument]:
        return await self.around(
            "query",
            container,
            lambda: self.inner.find_across_partitions(
                container, where=where, oldest_first_by=oldest_first_by, limit=limit
            ),
        )

    async def close(self) -> None:
        await self.inner.close()


# The application properties carrying a message's W3C trace context. The Service Bus SDKs
# write both when they trace a send (only where absent: ours stay) and the Functions host
# reads Diagnostic-Id to continue the trace in the function it triggers.
TRACE_PARENT_PROPERTIES = ("Diagnostic-Id", "traceparent")


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to a queue, with the Service Bus properties the receiver sees."""

    body: bytes
    message_id: str
    correlation_id: str | None = None
    content_type: str = "application/json"
    subject: str | None = None
    application_properties: Mapping[str, str | int] = field(default_factory=dict)


class MessageSender(ABC):
    """Sends messages to one queue."""

    @abstractmethod
    async def send(self, message: OutgoingMessage) -> None:
        """Durably enqueue the message, or raise."""

    async def check_reachable(self) -> None:
        """Raise if the queue cannot be reached now; sends nothing (the health endpoint asks).

        Every adapter of the app implements it; a sender that cannot tell says so.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot check its queue.")

    @abstractmethod
    async def close(self) -> None:
        """Release connections; the sender must not be used afterwards."""
