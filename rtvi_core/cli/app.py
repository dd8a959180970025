"""Argument parsing and command dispatch for the ``rtvi`` command line.

A command is anything with ``register(subparsers) -> argparse.ArgumentParser``
(adds its sub-parser and arguments) and ``run(args) -> int`` (does the work and
returns the exit code). Built-in commands are the modules named in
:data:`BUILTIN_COMMANDS`; plugins add more through the
``rtvi_register_cli_commands`` hook by registering objects that also carry a
``name``.

Exit codes: 0 success, 1 the command failed (e.g. an invalid bot file: every
problem is listed), 2 usage error (bad arguments), 130 interrupted with Ctrl-C.
User errors (:class:`CommandError`, :class:`~rtvi_core.config.errors.BotFileError`)
print a message without a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, Protocol

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Modules of ``rtvi_core.cli`` holding the built-in commands, in help order.
BUILTIN_COMMANDS: tuple[str, ...] = (
    "run_cmd",
    "validate_cmd",
    "schema_cmd",
    "init_cmd",
    "new_plugin_cmd",
    "plugins_cmd",
)


class Command(Protocol):
    """What a command provides (a module, or an object registered by a plugin)."""

    def register(self, subparsers: Any) -> argparse.ArgumentParser: ...

    def run(self, args: argparse.Namespace) -> int: ...


class CommandError(Exception):
    """A user-facing failure: printed without a traceback (unless ``--debug``)."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _builtin_commands() -> list[Command]:
    return [importlib.import_module(f"{__package__}.{module}") for module in BUILTIN_COMMANDS]


def _plugin_commands(taken: set[str]) -> list[Command]:
    """Commands registered by plugins (a name taken by a built-in command is skipped)."""
    from ..plugins import get_plugin_manager

    registry = get_plugin_manager().registry
    commands = []
    for registration in registry.registrations("cli_commands"):
        if registration.name in taken:
            print(
                f"rtvi: plugin command {registration.name!r} ignored: the name is a built-in command", file=sys.stderr
            )
            continue
        commands.append(registration.obj)
    return commands


def _add_debug_flag(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS keeps the sub-parser from resetting a `rtvi --debug <cmd>` value.
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks and debug logging"
    )


def _add(command: Command, subparsers: Any) -> str:
    """Register ``command``'s sub-parser; returns the command name."""
    sub = command.register(subparsers)
    sub.set_defaults(_run=command.run)
    _add_debug_flag(sub)
    return sub.prog.rsplit(" ", 1)[-1]


def build_parser() -> argparse.ArgumentParser:
    """The ``rtvi`` parser with every built-in and plugin command."""
    from rtvi_core import __version__

    parser = argparse.ArgumentParser(prog="rtvi", description="Build, check and run rtvi_core voice bots.")
    parser.add_argument("--version", action="version", version=f"rtvi_core {__version__}")
    parser.add_argument("--debug", action="store_true", default=False, help="show tracebacks and debug logging")
    subparsers = parser.add_subparsers(title="commands", metavar="<command>")
    names = {_add(command, subparsers) for command in _builtin_commands()}
    for command in _plugin_commands(names):
        try:
            _add(command, subparsers)
        except Exception as exc:  # a plugin's bug must not break the CLI
            print(
                f"rtvi: plugin command {getattr(command, 'name', command)!r} failed to register: {exc}", file=sys.stderr
            )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rtvi`` command line with ``argv`` (default: ``sys.argv[1:]``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "_run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from ..config.errors import BotFileError

    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return run(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (CommandError, BotFileError) as exc:
        if args.debug:
            traceback.print_exc()
        print(exc, file=sys.stderr)
        if isinstance(exc, BotFileError):
            count = len(exc.issues)
            print(f"{exc.issues[0].file}: {count} error{'s' if count != 1 else ''}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_FAILURE)
