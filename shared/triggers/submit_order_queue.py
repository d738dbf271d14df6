"""The SubmitOrder queue's entry point: create the order, exactly once.

Returning completes the message; raising abandons it, so it is redelivered and, past the
queue's max delivery count, dead-lettered. The Python trigger cannot dead-letter a message
itself, so a poison message (one that can never succeed) goes to the poison store and the
function returns: the message is completed instead of being retried to no purpose.
"""

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from shared.bootstrap import Application
from shared.services.order_placing import PoisonMessage
from shared.services.quarantine import DeliveredMessage

log = logging.getLogger(__name__)


class ReceivedMessage(Protocol):
    """What the entry point reads of a delivery; azure.functions.ServiceBusMessage has all of it."""

    @property
    def message_id(self) -> str | None: ...

    @property
    def correlation_id(self) -> str | None: ...

    @property
    def content_type(self) -> str | None: ...

    @property
    def subject(self) -> str | None: ...

    @property
    def application_properties(self) -> Mapping[str, Any]: ...

    @property
    def delivery_count(self) -> int | None: ...

    @property
    def enqueued_time_utc(self) -> datetime | None: ...

    def get_body(self) -> bytes: ...


async def process_submit_order(msg: ReceivedMessage, app: Application) -> None:
    try:
        await app.submit_order_handler.handle(msg.get_body())
    except PoisonMessage as poison:
        await app.quarantine.hold(delivered(msg, app.settings.submit_order_queue()), poison)
    except Exception:
        log.exception("SubmitOrder %s failed (delivery %s)", msg.message_id, msg.delivery_count)
        raise


def delivered(msg: ReceivedMessage, queue: str) -> DeliveredMessage:
    return DeliveredMessage(
        queue=queue,
        body=msg.get_body(),
        message_id=msg.message_id,
        correlation_id=msg.correlation_id,
        content_type=msg.content_type,
        subject=msg.subject,
        application_properties=msg.application_properties or {},
        delivery_count=msg.delivery_count,
        enqueued_time_utc=msg.enqueued_time_utc,
    )
