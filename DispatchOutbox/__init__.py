"""Timer trigger: outbox recovery - re-send SubmitOrder messages left pending in carts.

A submit that crashed or could not reach the queue after its cart write leaves the message
pending in the cart's outbox; this sweep sends it once the grace period has passed.
"""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_timer


@traced_timer
async def main(timer: func.TimerRequest) -> None:
    # The sweep logs its counts; a failure propagates so the host logs the failed run.
    await application().outbox_sweep.run()
