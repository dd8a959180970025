"""``Component`` and ``LazyConfig``, re-exported from :mod:`rtvi_core.component` (where they live).

They sit below the plugin machinery so that the built-ins, which the plugin
manager loads, can carry them without importing the manager's package.
"""

from ..component import Component, LazyConfig

__all__ = ["Component", "LazyConfig"]
