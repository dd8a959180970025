"""``rtvi call NUMBER [FILE]``: place an outbound call whose answer runs the bot file's bot.

The carrier dials ``NUMBER`` from the bot file's ``[transport] caller_id`` (or ``--from``)
and, once answered, fetches the webhook at ``public_url`` (``POST /``) — the running
``rtvi run`` of the same bot file — which connects the call's media to ``/ws``. ``--url``
names another URL to fetch (Exotel connects the call to a flow: the flow's URL).
"""

from __future__ import annotations

import argparse
import re
from typing import Any

#: An E.164 number (``+`` and 8 to 15 digits).
E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class CallCommand:
    """The ``rtvi call`` sub-command."""

    name = "call"

    def register(self, subparsers: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = subparsers.add_parser(
            "call",
            help="place a phone call that the bot answers (twilio, telnyx, plivo, exotel)",
            description="Dial NUMBER through the bot file's carrier; the answered call fetches the bot's "
            "webhook at [transport] public_url, where `rtvi run FILE` must be serving.",
        )
        parser.add_argument("number", help="the number to call, E.164 (+15551234567)")
        parser.add_argument("file", nargs="?", default="bot.toml", help="the bot file (default: bot.toml)")
        parser.add_argument("--from", dest="caller", help="the number to call from (default: [transport] caller_id)")
        parser.add_argument(
            "--url",
            help="what the answered call fetches (default: <public_url>/, the bot's webhook; Exotel: its flow's URL)",
        )
        return parser

    def run(self, args: argparse.Namespace) -> int:
        import anyio

        from rtvi_core.cli.app import EXIT_OK, CommandError
        from rtvi_core.config.loader import load_bot_file

        from .transport import TelephonyTransport

        if not E164.match(args.number):
            raise CommandError(f"{args.number!r} is not an E.164 number (+ and country code, e.g. +15551234567)")
        config = load_bot_file(args.file)
        spec = config.transport
        transport_class = spec.obj
        if not (isinstance(transport_class, type) and issubclass(transport_class, TelephonyTransport)):
            raise CommandError(f"{config.file}: [transport] use = {spec.name!r} does not place phone calls")
        from .plugin import split_transport_config

        settings, keys = split_transport_config(transport_class, spec.config)
        caller = args.caller or settings.caller_id
        if not caller:
            raise CommandError(f"{config.file}: no number to call from: set [transport] caller_id or pass --from")
        webhook = args.url or (settings.public_url.rstrip("/") + "/" if settings.public_url else None)
        if not webhook:
            raise CommandError(
                f"{config.file}: set [transport] public_url: the carrier fetches the bot's webhook there"
            )
        rest = transport_class.carrier_from(settings, keys).rest()
        if rest is None:
            raise CommandError(f"{config.file}: [transport] lacks the {spec.name} API credentials to place a call")

        async def place() -> str:
            return await rest.place_call(args.number, caller, webhook)

        try:
            call_id = anyio.run(place)
        except Exception as exc:
            raise CommandError(f"{spec.name} refused the call: {exc}") from None
        print(f"calling {args.number} from {caller} through {spec.name}: call {call_id}; it will fetch {webhook}")
        return EXIT_OK
