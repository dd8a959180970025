"""Actions of the test bots (a bot file's ``local_actions``)."""

from __future__ import annotations

import time

import anyio

from rtvi_core.actions import ActionContext, action


@action("ping")
async def ping(ctx: ActionContext, args: dict | None) -> dict:
    """Answer with the request's data."""
    return {"pong": args}


@action("boom")
async def boom(ctx: ActionContext, args: dict | None) -> dict:
    """Fail the whole session (a processor error that is fatal)."""
    raise RuntimeError("boom")


@action("slow", timeout_secs=None)
async def slow(ctx: ActionContext, args: dict | None) -> dict:
    """Take a while (a slow provider in one session)."""
    await anyio.sleep(float((args or {}).get("secs", 1.0)))
    return {"slept": True}


@action("block")
async def block(ctx: ActionContext, args: dict | None) -> dict:
    """Block the event loop (what a careless provider does): every session waits."""
    time.sleep(float((args or {}).get("secs", 0.3)))
    return {"blocked": True}
