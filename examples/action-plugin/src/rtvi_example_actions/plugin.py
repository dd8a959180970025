"""The plugin module the ``rtvi`` entry point names: registers the example actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rtvi_core.plugins import hookimpl

from .actions import ACTIONS


@hookimpl
def rtvi_register_actions(register: Callable[[Any], None]) -> None:
    """Register ``get-time``, ``dice`` and ``echo``."""
    for example in ACTIONS:
        register(example)
