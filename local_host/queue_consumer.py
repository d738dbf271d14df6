"""The worker role for a serviceBusTrigger: poll the embedded queue and run the function.

Behaves like the Service Bus extension with ``autoCompleteMessages``: a message is completed
when the function returns and abandoned when it raises (the queue dead-letters it past its max
delivery count). Up to ``maxConcurrentCalls`` invocations run at once, and each message's lock
is renewed while its invocation runs (queue_lock_renewal.py).

The messages whose functions returned are completed together, in the same transaction that
receives messages for the slots they freed: one commit for a batch, where completing each
message and receiving for each free slot would commit twice per message.
"""

import asyncio
import contextlib

from local_host.bindings import ServiceBusTrigger
from local_host.function_app import LoadedFunction
from local_host.host_config import HostConfig
from local_host.host_logging import host_logger
from local_host.invocation import invoke
from local_host.queue_lock_renewal import keep_locked
from local_host.service_bus_message import to_function_message
from shared.adapters.sqlite_queue import MessageLockLost, ReceivedMessage, SqliteQueue

# An idle consumer waits for messages with reads only (see SqliteQueue.wait_for_messages);
# every this many seconds it also looks for messages whose lock expired.
IDLE_CHECK_SECONDS = 0.5
# After a failed receive (say, the database file is busy) wait longer before trying again.
ERROR_BACKOFF_SECONDS = 1.0
# A cancelled invocation still gets this long to abandon its message.
SETTLE_AFTER_CANCEL_SECONDS = 5.0

log = host_logger("queue")


class QueueConsumer:
    def __init__(
        self,
        function: LoadedFunction,
        queue: SqliteQueue,
        # maxConcurrentCalls, maxAutoLockRenewalDuration and functionTimeout of host.json.
        config: HostConfig,
    ) -> None:
        trigger = function.definition.trigger
        if not isinstance(trigger, ServiceBusTrigger):
            raise TypeError(f"Function '{function.name}' is not triggered by Service Bus.")
        self._function = function
        self._trigger = trigger
        self._queue = queue
        self._config = config
        self._in_flight: set[asyncio.Task[None]] = set()
        # Messages whose function returned, to be completed with the next receive.
        self._completed: list[ReceivedMessage] = []
        self._stopping = asyncio.Event()
        # Set when an invocation finishes or the consumer stops: a slot may be free.
        self._wake = asyncio.Event()

    @property
    def queue_name(self) -> str:
        return self._trigger.queue_name

    async def run(self) -> None:
        """Receive and dispatch messages until stop_receiving() is called."""
        while not self._stopping.is_set():
            free = self._config.max_concurrent_calls - len(self._in_flight)
            if free <= 0:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                messages = await self._complete_and_receive(free)
            except Exception:
                log.exception("Receiving from queue '%s' failed; trying again.", self.queue_name)
                await self._pause(ERROR_BACKOFF_SECONDS)
                continue
            if not messages:
                await self._wait_for_messages()
                continue
            # Messages received are locked to this host, so they run even if a stop just began.
            for message in messages:
                task = asyncio.create_task(
                    self._process(message), name=f"{self._function.name}:{message.message_id}"
                )
                self._in_flight.add(task)
                task.add_done_callback(self._finished)

    def stop_receiving(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def drain(self, seconds: float) -> None:
        """Wait up to ``seconds`` for running invocations, then cancel the rest.

        A cancelled invocation abandons its message, so it is delivered again at once; one that
        cannot even do that is delivered again when its lock expires. What returned meanwhile
        is completed as it returns.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(seconds, 0)
        while self._in_flight and (remaining := deadline - loop.time()) > 0:
            await asyncio.wait(
                set(self._in_flight), timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            await self._complete_finished()
        pending = set(self._in_flight)
        if pending:
            log.warning(
                "Stopping: %d invocation(s) of '%s' still running; cancelling them.",
                len(pending),
                self._function.name,
            )
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=SETTLE_AFTER_CANCEL_SECONDS)
        await self._complete_finished()

    async def close(self) -> None:
        await self._queue.close()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("Processing a message failed unexpectedly.", exc_info=task.exception())

    async def _complete_and_receive(self, max_messages: int) -> list[ReceivedMessage]:
        """Complete what returned and receive up to ``max_messages``, in one transaction."""
        completed, self._completed = self._completed, []
        try:
            received, lost = await self._queue.complete_and_receive(completed, max_messages)
        except Exception:
            if completed:
                log.exception(
                    "Could not complete %d message(s) on '%s'; they will be delivered again "
                    "when their locks expire.",
                    len(completed),
                    self.queue_name,
                )
            raise
        for message in lost:
            self._log_lock_lost("complete", message)
        return received

    async def _complete_finished(self) -> None:
        if not self._completed:
            return
        with contextlib.suppress(Exception):  # logged; the messages come back later
            await self._complete_and_receive(0)

    async def _wait_for_messages(self) -> None:
        """Until a message may be available, an invocation finished, or the consumer stops."""
        if self._completed:
            return  # complete them now, with the receive they make room for
        self._wake.clear()
        stopping = asyncio.create_task(self._stopping.wait())
        finished = asyncio.create_task(self._wake.wait())
        try:
            while not self._stopping.is_set() and not self._wake.is_set():
                arrival = asyncio.create_task(self._queue.wait_for_messages(IDLE_CHECK_SECONDS))
                await asyncio.wait(
                    {arrival, stopping, finished}, return_when=asyncio.FIRST_COMPLETED
                )
                if not arrival.done():
                    arrival.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await arrival
                    return
                if arrival.result():
                    return
        except Exception:
            log.exception("Watching queue '%s' failed; trying again.", self.queue_name)
            await self._pause(ERROR_BACKOFF_SECONDS)
        finally:
            stopping.cancel()
            finished.cancel()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _process(self, message: ReceivedMessage) -> None:
        renewal = asyncio.create_task(
            keep_locked(self._queue, message, self._config.max_auto_lock_renewal)
        )
        succeeded = False
        try:
            succeeded = await self._invoke(message)
        finally:
            # Stop renewing before settling, so that a renewal cannot race the settlement.
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
            if succeeded:
                self._completed.append(message)  # completed with the next receive
            else:
                await self._abandon(message)

    async def _invoke(self, message: ReceivedMessage) -> bool:
        """True if the function returned, False if it (or the message conversion) raised."""
        try:
            function_message = to_function_message(message)
        except Exception:
            log.exception(
                "Message '%s' from queue '%s' could not be converted for the function.",
                message.message_id,
                self.queue_name,
            )
            return False
        try:
            await invoke(
                self._function,
                {self._trigger.binding_name: function_message},
                f"New ServiceBus message detected on '{self.queue_name}'.",
                time_limit=self._config.function_timeout,
            )
        except Exception:
            return False  # invoke() has logged the exception with its traceback.
        return True

    async def _abandon(self, message: ReceivedMessage) -> None:
        try:
            await self._queue.abandon(message)
        except MessageLockLost:
            self._log_lock_lost("abandon", message)
        except Exception:
            log.exception(
                "Could not abandon message '%s' on '%s'; it will be delivered again when its "
                "lock expires.",
                message.message_id,
                self.queue_name,
            )

    def _log_lock_lost(self, action: str, message: ReceivedMessage) -> None:
        log.warning(
            "Could not %s message '%s' on '%s': its lock was lost (it ran longer than the "
            "lock, or another receiver took it). It will be delivered again.",
            action,
            message.message_id,
            self.queue_name,
        )
