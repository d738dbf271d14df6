"""The composition root: the one place that reads settings and builds adapters and services.

Built lazily on first use and reused for the life of the worker process, so SDK clients and
SQLite connections are created once - never at import time. The services, their pydantic models
and the adapters are imported then too, not by this module's import: every function module
imports this one, and the worker imports every function module before its first invocation.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.ports import DocumentStore, MessageSender
from shared.services.clock import Clock, utc_now
from shared.settings import AUTHENTICATION, Authentication, Settings
from shared.telemetry.setup import start_telemetry

if TYPE_CHECKING:
    from shared.services.carts import CartService
    from shared.services.health import HealthCheck
    from shared.services.order_placing import SubmitOrderHandler
    from shared.services.order_queries import OrderQueries
    from shared.services.outbox import OutboxDispatcher
    from shared.services.outbox_sweep import OutboxSweep
    from shared.services.quarantine import Quarantine
    from shared.services.submission import SubmissionService
    from shared.telemetry.telemetry import Telemetry

log = logging.getLogger(__name__)

TelemetryStarter = Callable[[Settings], "Telemetry | None"]


@dataclass(frozen=True)
class Application:
    settings: Settings
    # Who authenticates shoppers; shared/api/shoppers.py binds each request to its shopper.
    authentication: Authentication
    # RequestTimeLimitSeconds, read once here rather than on every request.
    request_time_limit_seconds: float
    store: DocumentStore
    sender: MessageSender
    carts: CartService
    outbox: OutboxDispatcher
    outbox_sweep: OutboxSweep
    submissions: SubmissionService
    order_queries: OrderQueries
    submit_order_handler: SubmitOrderHandler
    quarantine: Quarantine
    health: HealthCheck
    # None when telemetry is off: then nothing observes the services at all.
    telemetry: Telemetry | None = None

    async def close(self) -> None:
        await self.sender.close()
        await self.store.close()
        if self.telemetry is not None:
            # Exporting what is buffered may block (network): not on the event loop.
            await asyncio.to_thread(self.telemetry.shutdown)


_settings_source: Mapping[str, str] = os.environ
_telemetry_starter: TelemetryStarter = start_telemetry
_application: Application | None = None


def configure(
    settings: Mapping[str, str], telemetry_starter: TelemetryStarter = start_telemetry
) -> None:
    """Read settings from this mapping from now on (tests, the local host).

    ``telemetry_starter`` lets tests export to memory. Call shutdown() first if an
    application was already built from the old settings.
    """
    global _settings_source, _telemetry_starter, _application
    _settings_source = settings
    _telemetry_starter = telemetry_starter
    _application = None


def application() -> Application:
    """The process-wide application, built on first use."""
    global _application
    if _application is None:
        settings = Settings(_settings_source)
        _application = build_application(settings, telemetry=_telemetry_starter(settings))
    return _application


async def shutdown() -> None:
    """Close the application's connections; the next application() call builds afresh."""
    global _application
    if _application is not None:
        app, _application = _application, None
        await app.close()


def build_application(
    settings: Settings, clock: Clock = utc_now, telemetry: Telemetry | None = None
) -> Application:
    from shared.faults import build_fault_injector
    from shared.faulty_ports import FaultyCarts, FaultyOrders, FaultySender
    from shared.poison_store import PoisonStore
    from shared.repositories import CartRepository, OrderRepository
    from shared.services.carts import CartService
    from shared.services.health import HealthCheck
    from shared.services.order_placing import SubmitOrderHandler
    from shared.services.order_queries import OrderQueries
    from shared.services.outbox import OutboxDispatcher
    from shared.services.outbox_sweep import OutboxSweep
    from shared.services.quarantine import Quarantine
    from shared.services.submission import SubmissionService

    authentication = settings.authentication()
    if authentication == "none":
        log.warning(
            "%s is 'none': the API trusts the customer named in the route, so anyone who can "
            "reach it can read and change any shopper's carts. Fine for development on "
            "127.0.0.1; set %s=appservice behind App Service authentication.",
            AUTHENTICATION,
            AUTHENTICATION,
        )
    # Off unless a Fault* setting is set: then None, and no fault wrapper is built at all.
    faults = build_fault_injector(settings)
    store = build_document_store(settings)
    sender = build_message_sender(settings)
    carts = CartRepository(store)
    # Each fault wraps the port it acts on, only when one of its settings switches it on.
    if faults is not None and faults.settings.affects_sending:
        sender = FaultySender(sender, faults)
    if faults is not None and faults.settings.affects_cart_writes:
        carts = FaultyCarts(carts, faults)
    outbox = OutboxDispatcher(
        carts, sender, clock, resend_pending_after=settings.outbox_resend_after()
    )
    orders: OrderRepository
    poison: PoisonStore
    submissions: SubmissionService
    sweep: OutboxSweep
    if telemetry is None:
        orders = OrderRepository(store)
        poison = PoisonStore(store)
        submissions = SubmissionService(carts, outbox, clock)
        sweep = OutboxSweep(carts, outbox)
    else:
        # Imported only when on: telemetry off costs no OpenTelemetry import.
        from shared.telemetry import observed

        orders = observed.ObservedOrders(store, telemetry)
        poison = observed.ObservedPoisonStore(store, telemetry)
        submissions = observed.ObservedSubmissions(carts, outbox, clock, telemetry)
        sweep = observed.ObservedOutboxSweep(carts, outbox, telemetry)
    if faults is not None and faults.settings.affects_order_writes:
        # Around the observed orders: an injected delay or failure is not part of the write.
        orders = FaultyOrders(orders, faults)
    return Application(
        settings=settings,
        authentication=authentication,
        request_time_limit_seconds=settings.request_time_limit().total_seconds(),
        store=store,
        sender=sender,
        carts=CartService(carts, clock),
        outbox=outbox,
        outbox_sweep=sweep,
        submissions=submissions,
        order_queries=OrderQueries(orders, carts),
        submit_order_handler=SubmitOrderHandler(orders, clock),
        quarantine=Quarantine(poison, sender, clock),
        health=HealthCheck(store, sender),
        telemetry=telemetry,
    )


def build_document_store(settings: Settings) -> DocumentStore:
    """The configured store; its outages reach the app as BackendUnavailable (HTTP 503)."""
    from shared.adapters.outages import OutageTranslatingStore
    from shared.partitioning import PARTITION_FIELDS

    # Azure SDKs are imported only when chosen: the embedded path starts without them.
    if settings.storage_backend() == "cosmos":
        from shared.adapters.cosmos_documents import CosmosDocumentStore
        from shared.adapters.cosmos_errors import cosmos_outage

        return OutageTranslatingStore(
            CosmosDocumentStore.from_settings(settings, PARTITION_FIELDS), cosmos_outage
        )
    from shared.adapters.sqlite_documents import SqliteDocumentStore
    from shared.adapters.sqlite_errors import sqlite_outage
    from shared.retention import TIME_TO_LIVE_SECONDS

    return OutageTranslatingStore(
        SqliteDocumentStore(
            settings.embedded().documents_path, PARTITION_FIELDS, TIME_TO_LIVE_SECONDS
        ),
        sqlite_outage,
    )


def build_message_sender(settings: Settings) -> MessageSender:
    queue_name = settings.submit_order_queue()
    if settings.messaging_backend() == "servicebus":
        from shared.adapters.servicebus_sender import ServiceBusSender

        return ServiceBusSender.from_settings(settings, queue_name)
    from shared.adapters.sqlite_queue import SqliteQueue

    return SqliteQueue.from_settings(settings.embedded(), queue_name)
