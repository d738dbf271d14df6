"""Queue lock renewal: a message's peek-lock is kept while its function runs.

Like the Service Bus extension's auto lock renewal: the lock is renewed at half its duration,
for at most ``maxAutoLockRenewalDuration`` (host.json) from when the message was received.
"""

import asyncio
from datetime import timedelta

from local_host.host_logging import host_logger
from shared.adapters.sqlite_queue import MessageLockLost, ReceivedMessage, SqliteQueue

log = host_logger("queue")


async def keep_locked(
    queue: SqliteQueue, message: ReceivedMessage, max_auto_lock_renewal: timedelta
) -> None:
    """Renew the lock until cancelled, the renewal time is used up or the lock is lost."""
    if max_auto_lock_renewal <= timedelta(0):
        return  # Renewal switched off (00:00:00): the lock lasts its own duration.
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + max_auto_lock_renewal.total_seconds()
    interval = max(queue.lock_duration.total_seconds() / 2, 0.05)
    while True:
        await asyncio.sleep(interval)
        if loop.time() >= give_up_at:
            log.warning(
                "Message '%s' on '%s' has run longer than maxAutoLockRenewalDuration (%s); "
                "its lock is no longer renewed.",
                message.message_id,
                queue.queue_name,
                max_auto_lock_renewal,
            )
            return
        try:
            await queue.renew_lock(message)
        except MessageLockLost:
            log.warning(
                "The lock on message '%s' on '%s' was lost while it was processed.",
                message.message_id,
                queue.queue_name,
            )
            return
        except Exception:
            log.exception(
                "Renewing the lock on message '%s' on '%s' failed; trying again.",
                message.message_id,
                queue.queue_name,
            )
