"""Service Bus trigger on the SubmitOrder queue: create the order, exactly once."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_queue


@traced_queue
async def main(msg: func.ServiceBusMessage) -> None:
    from shared.triggers.submit_order_queue import process_submit_order  # imported on first call

    await process_submit_order(msg, application())
