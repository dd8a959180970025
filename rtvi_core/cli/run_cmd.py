"""``rtvi run [FILE]``: run a bot file, one pipeline per session.

Until a network transport exists, a bot on the ``memory`` transport runs one
session in console mode: the terminal is the client (see
:mod:`rtvi_core.cli.console`). Without FILE the built-in text bot runs (the echo
LLM over the memory transport).
"""

from __future__ import annotations

import argparse
from typing import Any

from .app import EXIT_OK, CommandError

#: The bot ``rtvi run`` runs without a file.
DEFAULT_BOT = """\
[bot]
name = "echo-bot"
system_prompt = "You are a friendly echo bot."

[llm]
use = "echo"
token_delay = 0.02
"""

#: Transports whose sessions run in the terminal.
CONSOLE_TRANSPORTS = ("memory",)


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "run", help="run a bot file (console mode: chat in the terminal)",
        description="Run a bot file. A bot on the memory transport runs one session in the "
        "terminal: type to it, /send TYPE [JSON] sends a client-message, /quit ends.")
    parser.add_argument("file", nargs="?", help="the bot file (default: the built-in echo bot)")
    parser.add_argument("--events", action="store_true", help="print every RTVI message from the bot")
    return parser


def run(args: argparse.Namespace) -> int:
    import anyio

    from ..config.loader import load_bot_file, load_bot_text

    config = load_bot_file(args.file) if args.file else load_bot_text(DEFAULT_BOT, file="<built-in bot>")
    if config.transport.name not in CONSOLE_TRANSPORTS:
        raise CommandError(
            f"{config.file}: transport.use: transport plugin {config.transport.name!r} cannot "
            f"be run yet: `rtvi run` runs console sessions on: {', '.join(CONSOLE_TRANSPORTS)}")
    anyio.run(run_console_session, config, args.events)
    return EXIT_OK


async def run_console_session(config: Any, show_events: bool = False) -> None:
    """Build one session from ``config`` and chat with it in the terminal."""
    from ..config.builder import build_session
    from ..plugins import get_plugin_manager
    from .console import Console

    manager = get_plugin_manager()
    session = build_session(config)
    manager.session_started(session)
    try:
        await Console(session, show_events=show_events).run()
    finally:
        manager.session_ended(session)
