"""The ``hang-up`` action: the LLM (or a client message) ends the phone call."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rtvi_core.actions import ActionContext, ActionError, action
from rtvi_core.frames import EndFrame


class HangUpArgs(BaseModel):
    """Arguments of ``hang-up``."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=200, description="why the call ends (for the log)")


@action("hang-up", args=HangUpArgs, llm_tool=True, timeout_secs=5.0)
async def hang_up(ctx: ActionContext, args: HangUpArgs) -> dict[str, Any]:
    """End the phone call, after what the bot is saying now."""
    from .transport import TelephonyTransport

    transport = getattr(ctx.session, "transport", None)
    call = transport.call if isinstance(transport, TelephonyTransport) else None
    if call is None:
        raise ActionError("there is no phone call to hang up")
    # The EndFrame follows what is queued (the goodbye); at the output it hangs the call up
    # through the carrier's REST API (TelephonyTransport.end_call).
    await ctx.push_frame(EndFrame(reason=args.reason or "hang-up"))
    return {"call_id": call.call_id, "hanging_up": True}
