"""The store wrapped so that its outages reach the application as one error, BackendUnavailable.

Each adapter knows which of its own errors mean "not now" (``cosmos_outage``,
``sqlite_outage``); this wrapper, composed in ``shared.bootstrap``, applies that knowledge to
every call, so that neither the services nor the HTTP functions know any SDK's errors.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from shared.ports import BackendUnavailable, DocumentStore, JsonScalar, Page, StoredDocument

T = TypeVar("T")

# The adapter's judgement of one of its errors: the outage it means, or None.
Classify = Callable[[Exception], BackendUnavailable | None]


class OutageTranslatingStore(DocumentStore):
    def __init__(self, inner: DocumentStore, classify: Classify) -> None:
        self.inner = inner
        self._classify = classify

    async def _call(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except BackendUnavailable:
            raise
        except Exception as error:
            outage = self._classify(error)
            if outage is None:
                raise
            raise outage from error

    async def read(self, container: str, partition_key: str, id: str) -> StoredDocument | None:
        return await self._call(self.inner.read(container, partition_key, id))

    async def create(
        self, container: str, partition_key: str, body: Mapping[str, Any]
    ) -> StoredDocument:
        return await self._call(self.inner.create(container, partition_key, body))

    async def replace(
        self, container: str, partition_key: str, body: Mapping[str, Any], *, if_match: str
    ) -> StoredDocument:
        return await self._call(
            self.inner.replace(container, partition_key, body, if_match=if_match)
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
        return await self._call(
            self.inner.query(
                container,
                partition_key,
                where=where,
                newest_first_by=newest_first_by,
                limit=limit,
                continuation_token=continuation_token,
            )
        )

    async def find_across_partitions(
        self,
        container: str,
        *,
        where: Mapping[str, JsonScalar],
        oldest_first_by: str,
        limit: int,
    ) -> list[StoredDocument]:
        return await self._call(
            self.inner.find_across_partitions(
                container, where=where, oldest_first_by=oldest_first_by, limit=limit
            )
        )

    async def close(self) -> None:
        await self.inner.close()
