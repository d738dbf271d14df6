"""Timer trigger: the outbox sweep, re-sending SubmitOrder messages left pending in carts."""

import azure.functions as func

from shared.bootstrap import application
from shared.telemetry.function_edge import traced_timer


@traced_timer
async def main(timer: func.TimerRequest) -> None:
    from shared.triggers.outbox_timer import sweep_outbox  # imported on first call

    await sweep_outbox(application())
