"""A child process for the crash-point tests: one submit or one delivery, with the app's settings
taken from the environment (the Fault* settings included), as under the Functions host.

    python -m tests.integration.crash_child submit CUSTOMER CART_ID
    python -m tests.integration.crash_child deliver
"""

import asyncio
import logging
import sys

import ProcessSubmitOrder
from local_host.service_bus_message import to_function_message
from shared import bootstrap
from shared.adapters.sqlite_queue import SqliteQueue


async def submit(customer: str, cart_id: str) -> None:
    await bootstrap.application().submissions.submit(customer, cart_id, "crash-test", None)


async def deliver() -> None:
    settings = bootstrap.application().settings
    embedded = settings.embedded()
    queue = SqliteQueue(
        embedded.queue_path, settings.submit_order_queue(), lock_duration=embedded.lock_duration
    )
    try:
        [received] = await queue.receive(1)
        await ProcessSubmitOrder.main(to_function_message(received))
        await queue.complete(received)
    finally:
        await queue.close()


async def run(argv: list[str]) -> None:
    try:
        if argv[:1] == ["submit"]:
            await submit(argv[1], argv[2])
        elif argv == ["deliver"]:
            await deliver()
        else:
            raise SystemExit(__doc__)
    finally:
        await bootstrap.shutdown()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stdout)
    asyncio.run(run(sys.argv[1:]))
