"""The store wrapped so that its outages reach the application as one error, BackendUnavailable.

Each adapter knows which of its own errors mean "not now" (``cosmos_outage``,
``sqlite_outage``); this wrapper, composed in ``shared.bootstrap``, applies that knowledge to
every call, so that neither the services nor the HTTP functions know any SDK's errors.
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.ports import BackendUnavailable, DocumentStore, DocumentStoreWrapper

T = TypeVar("T")

# The adapter's judgement of one of its errors: the outage it means, or None.
Classify = Callable[[Exception], BackendUnavailable | None]


class OutageTranslatingStore(DocumentStoreWrapper):
    def __init__(self, inner: DocumentStore, classify: Classify) -> None:
        super().__init__(inner)
        self._classify = classify

    async def around(self, operation: str, container: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except BackendUnavailable:
            raise
        except Exception as error:
            outage = self._classify(error)
            if outage is None:
                raise
            raise outage from error
