"""``rtvi validate FILE``: check a bot file; print every error at once.

Exit 0 and a one-line summary when the file is valid; exit 1 with one line per
problem (file, key path, plugin, what was expected) when it is not.
"""

from __future__ import annotations

import argparse
from typing import Any

from .app import EXIT_OK


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate",
        help="check a bot file and list every error",
        description="Check a bot file against the installed plugins; list every error at once.",
    )
    parser.add_argument("file", help="the bot file (TOML)")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..config.loader import load_bot_file

    config = load_bot_file(args.file)
    print(f"{config.file}: ok ({summary(config)})")
    return EXIT_OK


def summary(config: Any) -> str:
    """``transport 'memory', llm 'echo', 2 actions``: what a valid bot file uses."""
    parts = [
        f"{spec.section} {spec.name!r}"
        for spec in (config.transport, config.vad, config.turn, config.stt, config.llm, config.tts)
        if spec is not None
    ]
    for label, specs in (("action", config.actions), ("processor", config.processors)):
        if specs:
            parts.append(
                f"{len(specs)} {label}{'s' if len(specs) > 1 else ''} ({', '.join(spec.name for spec in specs)})"
            )
    return ", ".join(parts)
