"""Service Bus trigger on the SubmitOrder queue: create the order, exactly once.

Returning completes the message; raising abandons it, so it is redelivered and, past the
queue's max delivery count, dead-lettered. The Python trigger cannot dead-letter a message
itself, so a poison message (one that can never succeed) goes to the poison store and the
function returns: the message is completed instead of being retried to no purpose.
"""

import logging

import azure.functions as func

from shared.bootstrap import application
from shared.services.order_handler import PoisonMessage
from shared.services.quarantine import DeliveredMessage
from shared.telemetry.function_edge import traced_queue

log = logging.getLogger(__name__)


@traced_queue
async def main(msg: func.ServiceBusMessage) -> None:
    app = application()
    try:
        await app.submit_order_handler.handle(
            msg.get_body(), delivery_count=msg.delivery_count or 1
        )
    except PoisonMessage as poison:
        await app.quarantine.hold(delivered(msg, app.settings.submit_order_queue()), poison)
    except Exception:
        log.exception("SubmitOrder %s failed (delivery %s)", msg.message_id, msg.delivery_count)
        raise


def delivered(msg: func.ServiceBusMessage, queue: str) -> DeliveredMessage:
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
