"""The action the ``ws_sessions`` benchmark bot answers (a ``[bot] local_actions`` module)."""

from __future__ import annotations

from typing import Any

from rtvi_core.actions import ActionContext, action


@action("ping", timeout_secs=None)
async def ping(ctx: ActionContext, d: Any) -> dict:
    """Answer a benchmark ping with its payload: ``{"pong": d}``."""
    return {"pong": d}
