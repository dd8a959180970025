"""``rtvi schema``: print the bot-file JSON Schema for the installed plugins."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .app import EXIT_OK


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "schema",
        help="print the bot-file JSON Schema",
        description="Print the JSON Schema (draft 2020-12) of bot files, built from the "
        "installed plugins; point your editor's TOML support (taplo) at it.",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE instead")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..config.schema import build_schema
    from ..plugins import get_plugin_manager

    text = json.dumps(build_schema(get_plugin_manager().registry), indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return EXIT_OK
