"""``rtvi init [PATH]``: write a commented starter bot file (never overwrites unless --force)."""

from __future__ import annotations

import argparse
from importlib.resources import files
from pathlib import Path
from typing import Any

from .app import EXIT_OK, CommandError


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "init",
        help="write a starter bot file",
        description="Write a commented starter bot file (the echo LLM over the in-memory "
        "transport) that `rtvi run` chats with in the terminal.",
    )
    parser.add_argument("path", nargs="?", default="bot.toml", help="where to write it (default: bot.toml)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    return parser


def starter_bot_file() -> str:
    """The text ``rtvi init`` writes."""
    return files(__package__).joinpath("templates", "bot.toml").read_text(encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.exists() and not args.force:
        raise CommandError(f"rtvi init: {path} already exists (use --force to overwrite it)")
    try:
        path.write_text(starter_bot_file(), encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"rtvi init: cannot write {path}: {exc.strerror}") from None
    print(f"wrote {path}; check it with `rtvi validate {path}`, chat with it with `rtvi run {path}`")
    return EXIT_OK
