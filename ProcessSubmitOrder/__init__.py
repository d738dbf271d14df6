"""Service Bus trigger on the SubmitOrder queue: create the order, exactly once.

Returning completes the message; raising abandons it, so it is redelivered and, past the
queue's max delivery count, dead-lettered.
"""

import logging

import azure.functions as func

from shared.bootstrap import application

log = logging.getLogger(__name__)


async def main(msg: func.ServiceBusMessage) -> None:
    try:
        await application().submit_order_handler.handle(msg.get_body())
    except Exception:
        log.exception("SubmitOrder %s failed (delivery %s)", msg.message_id, msg.delivery_count)
        raise
