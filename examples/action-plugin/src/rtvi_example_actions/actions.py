"""The example actions. Each one: an argument model, a handler, a ``@action`` line."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rtvi_core.actions import ActionContext, action

_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$")


def parse_timezone(name: str) -> tzinfo:
    """A time zone from an IANA name (``Europe/Paris``) or a UTC offset (``+05:30``).

    Raises :class:`ValueError` for anything else.
    """
    match = _OFFSET.match(name.strip())
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > timedelta(hours=14):
            raise ValueError(f"UTC offset {name!r} is out of range (at most ±14:00)")
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name like 'Europe/Paris' or a UTC offset like '+02:00'"
        ) from None


class TimeArgs(BaseModel):
    """Arguments of ``get-time``."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = Field("UTC", description="IANA time zone name (e.g. 'Europe/Paris') or UTC offset (e.g. '+02:00')")

    @field_validator("timezone")
    @classmethod
    def _known(cls, value: str) -> str:
        parse_timezone(value)
        return value


@action("get-time", args=TimeArgs, llm_tool=True, timeout_secs=2.0)
async def get_time(ctx: ActionContext, args: TimeArgs) -> dict[str, str]:
    """The current date and time in a time zone."""
    now = datetime.now(parse_timezone(args.timezone))
    return {
        "timezone": args.timezone,
        "iso": now.isoformat(timespec="seconds"),
        "weekday": now.strftime("%A"),
    }


class DiceArgs(BaseModel):
    """Arguments of ``dice``."""

    model_config = ConfigDict(extra="forbid")

    sides: int = Field(6, ge=2, le=100, description="faces per die")
    count: int = Field(1, ge=1, le=20, description="number of dice")


@action("dice", args=DiceArgs)
async def dice(ctx: ActionContext, args: DiceArgs) -> dict[str, object]:
    """Roll dice: the faces rolled and their total."""
    rolls = [random.randint(1, args.sides) for _ in range(args.count)]
    return {"rolls": rolls, "total": sum(rolls)}


class EchoConfig(BaseModel):
    """Bot-file parameters of ``echo`` (``[actions.echo]``)."""

    model_config = ConfigDict(extra="forbid")

    prefix: str = Field("", description="text put before every echoed reply")


class EchoArgs(BaseModel):
    """Arguments of ``echo``."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=1000)
    upper: bool = False


@action("echo", args=EchoArgs, config=EchoConfig)
async def echo(ctx: ActionContext, args: EchoArgs) -> dict[str, str]:
    """Send the text back (after the configured prefix), and as a server-message too."""
    text = ctx.config.prefix + (args.text.upper() if args.upper else args.text)
    await ctx.send_server_message({"echo": text})
    return {"text": text}


#: What the plugin registers, in order.
ACTIONS = [get_time, dice, echo]
