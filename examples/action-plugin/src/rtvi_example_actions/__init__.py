"""Example rtvi-core actions: ``get-time``, ``dice`` and ``echo``.

Installing the distribution makes them available by name (the ``rtvi`` entry point
``example-actions`` points at :mod:`rtvi_example_actions.plugin`).
"""

import logging

from .actions import ACTIONS, dice, echo, get_time

__version__ = "0.1.0"

logger = logging.getLogger(__name__)

__all__ = ["ACTIONS", "__version__", "dice", "echo", "get_time", "logger"]
