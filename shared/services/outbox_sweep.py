"""Outbox recovery: re-send SubmitOrder messages that were recorded but never marked sent.

A submit that crashed, timed out or failed to reach the queue after its cart write leaves the
cart's outbox entry ``pending``. The timer-triggered sweep finds such entries (oldest first,
through the one indexed cross-partition query) and dispatches those older than the grace
period again. Re-sending is safe: the message id is derived from the cart, the queue drops
duplicates within its detection window and the order handler creates the order only if absent.
"""

import logging
from dataclasses import dataclass

from shared.repositories import CartRepository
from shared.services.outbox import OutboxDispatcher

log = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_PER_RUN = 500


@dataclass(frozen=True)
class SweepResult:
    examined: int  # pending entries looked at this run (due or not)
    resent: int  # due entries sent again (and marked sent, as far as possible)
    failed: int  # due entries whose send failed; they stay pending for the next run


class OutboxSweep:
    def __init__(
        self,
        carts: CartRepository,
        outbox: OutboxDispatcher,
        *,
        batch_size: int = BATCH_SIZE,
        max_per_run: int = MAX_PER_RUN,
    ) -> None:
        if batch_size < 1 or max_per_run < 1:
            raise ValueError("batch_size and max_per_run must be at least 1.")
        self._carts = carts
        self._outbox = outbox
        self._batch_size = batch_size
        self._max_per_run = max_per_run

    async def run(self) -> SweepResult:
        """Dispatch due pending entries, at most ``max_per_run`` of them, in batches.

        Entries whose send fails stay pending and at the head of the oldest-first query, so
        each query asks for the entries already attempted plus one batch and skips those:
        one message that can never be sent does not stop the others behind it.
        """
        attempted: set[tuple[str, str]] = set()
        resent = failed = 0
        examined = 0
        while len(attempted) < self._max_per_run:
            batch = min(self._batch_size, self._max_per_run - len(attempted))
            # Attempted entries that are still pending come first again: ask for them too.
            limit = len(attempted) + batch
            found = await self._carts.with_pending_outbox(limit)
            unseen = [c for c in found if (c.value.customer, c.value.id) not in attempted]
            fresh = unseen[:batch]
            reached_young_entry = False
            for saved in fresh:
                examined += 1
                if not self._outbox.is_due_for_resend(saved.value):
                    # Oldest first: every entry after this one is younger still.
                    reached_young_entry = True
                    break
                attempted.add((saved.value.customer, saved.value.id))
                if await self._outbox.dispatch(saved):
                    resent += 1
                else:
                    failed += 1
            # Fewer found than asked for, all of them handled: nothing else is pending.
            exhausted = len(found) < limit and len(unseen) == len(fresh)
            if reached_young_entry or not fresh or exhausted:
                break
        result = SweepResult(examined=examined, resent=resent, failed=failed)
        if resent or failed:
            log.warning(
                "Outbox sweep re-sent %d pending SubmitOrder message(s), %d failed (examined %d)",
                resent,
                failed,
                examined,
            )
        else:
            log.info("Outbox sweep: nothing due (examined %d)", examined)
        return result
