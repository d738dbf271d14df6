"""The outbox timer's entry point: re-send SubmitOrder messages left pending in carts.

A submit that crashed or could not reach the queue after its cart write leaves the message
pending in the cart's outbox; the sweep (shared/services/outbox_sweep.py) sends it once the
grace period has passed.
"""

from shared.bootstrap import Application


async def sweep_outbox(app: Application) -> None:
    # The sweep logs its counts; a failure propagates so the host logs the failed run.
    await app.outbox_sweep.run()
