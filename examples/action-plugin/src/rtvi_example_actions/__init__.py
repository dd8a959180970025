"""Example rtvi-core actions: ``get-time``, ``dice`` and ``echo``.

Installing the distribution makes them available by name (the ``rtvi`` entry point
``example-actions`` points at :mod:`rtvi_example_actions.plugin`). The plugin logs on
``rtvi.example-actions`` (:data:`logger`).
"""

from .actions import ACTIONS, dice, echo, get_time
from .log import logger

__version__ = "0.1.0"

__all__ = ["ACTIONS", "__version__", "dice", "echo", "get_time", "logger"]
