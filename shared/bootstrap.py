"""The composition root: the one place that reads settings and builds adapters and services.

Built lazily on first use and reused for the life of the worker process, so SDK clients and
SQLite connections are created once - never at import time.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass

from shared.faults import FaultySender, build_fault_injector
from shared.poison_store import PoisonStore
from shared.ports import DocumentStore, MessageSender
from shared.repositories import CartRepository, OrderRepository
from shared.services.carts import CartService
from shared.services.clock import Clock, utc_now
from shared.services.order_handler import SubmitOrderHandler
from shared.services.orders import OrderQueries
from shared.services.outbox import OutboxDispatcher
from shared.services.outbox_sweep import OutboxSweep
from shared.services.quarantine import Quarantine
from shared.services.submission import SubmissionService
from shared.settings import Settings


@dataclass(frozen=True)
class Application:
    settings: Settings
    store: DocumentStore
    sender: MessageSender
    carts: CartService
    outbox: OutboxDispatcher
    outbox_sweep: OutboxSweep
    submissions: SubmissionService
    orders: OrderQueries
    submit_order_handler: SubmitOrderHandler
    quarantine: Quarantine

    async def close(self) -> None:
        await self.sender.close()
        await self.store.close()


_settings_source: Mapping[str, str] = os.environ
_application: Application | None = None


def configure(settings: Mapping[str, str]) -> None:
    """Read settings from this mapping from now on (tests, the local host).

    Call shutdown() first if an application was already built from the old settings.
    """
    global _settings_source, _application
    _settings_source = settings
    _application = None


def application() -> Application:
    """The process-wide application, built on first use."""
    global _application
    if _application is None:
        _application = build_application(Settings(_settings_source))
    return _application


async def shutdown() -> None:
    """Close the application's connections; the next application() call builds afresh."""
    global _application
    if _application is not None:
        app, _application = _application, None
        await app.close()


def build_application(settings: Settings, clock: Clock = utc_now) -> Application:
    # Off unless a Fault* setting is set: then None, and no fault code runs at all.
    faults = build_fault_injector(settings)
    store = build_document_store(settings)
    sender = build_message_sender(settings)
    if faults is not None and faults.settings.affects_sending:
        sender = FaultySender(sender, faults)
    carts = CartRepository(store)
    orders = OrderRepository(store)
    outbox = OutboxDispatcher(
        carts, sender, clock, resend_pending_after=settings.outbox_resend_after()
    )
    return Application(
        settings=settings,
        store=store,
        sender=sender,
        carts=CartService(carts, clock),
        outbox=outbox,
        outbox_sweep=OutboxSweep(carts, outbox),
        submissions=SubmissionService(carts, outbox, clock, faults),
        orders=OrderQueries(orders, carts),
        submit_order_handler=SubmitOrderHandler(orders, carts, clock, faults),
        quarantine=Quarantine(PoisonStore(store), sender, clock),
    )


def build_document_store(settings: Settings) -> DocumentStore:
    # Azure SDKs are imported only when chosen: the embedded path starts without them.
    if settings.storage_backend() == "cosmos":
        from shared.adapters.cosmos_documents import CosmosDocumentStore

        return CosmosDocumentStore.from_settings(settings)
    from shared.adapters.sqlite_documents import SqliteDocumentStore

    return SqliteDocumentStore(settings.embedded().documents_path)


def build_message_sender(settings: Settings) -> MessageSender:
    queue_name = settings.submit_order_queue()
    if settings.messaging_backend() == "servicebus":
        from shared.adapters.servicebus_sender import ServiceBusSender

        return ServiceBusSender.from_settings(settings, queue_name)
    from shared.adapters.sqlite_queue import SqliteQueue

    embedded = settings.embedded()
    return SqliteQueue(
        embedded.queue_path,
        queue_name,
        lock_duration=embedded.lock_duration,
        max_delivery_count=embedded.max_delivery_count,
    )
