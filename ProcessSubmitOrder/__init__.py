"""Service Bus trigger on the SubmitOrder queue: create the order, exactly once."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_queue
from shared.triggers.submit_order_queue import process_submit_order


@traced_queue
async def main(msg: func.ServiceBusMessage) -> None:
    await process_submit_order(msg, application())
