"""The plugin module the ``rtvi`` entry point names: registers the example actions."""

from __future__ import annotations

from typing import Any, Callable

from rtvi_core.plugins import hookimpl

from .actions import ACTIONS


@hookimpl
def rtvi_register_actions(register: Callable[[Any], None]) -> None:
    """Register ``get-time``, ``dice`` and ``echo``."""
    for example in ACTIONS:
        register(example)
