"""The ``rtvi`` command line: ``rtvi run|validate|schema|init|new-plugin|plugins``.

``main()`` is the console-script entry point (``[project.scripts] rtvi``); the
parser and command registration live in :mod:`rtvi_core.cli.app`.
"""

from __future__ import annotations

from .app import CommandError, main

__all__ = ["CommandError", "main"]
