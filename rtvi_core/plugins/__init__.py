"""Plugins: discovery through the ``rtvi`` entry points, isolation, and the registry.

``get_plugin_manager()`` loads the built-ins and every installed plugin once;
``manager.registry.get(kind, name)`` finds a component. Plugin authors import
:data:`hookimpl` and :class:`Component` from here. Names load on first use, so a
component module importing :class:`Component` costs neither pluggy nor pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "Component": ".component",
    "LazyConfig": ".component",
    "hookimpl": "rtvi_core.hookspecs",
    "KINDS": ".registry",
    "Registration": ".registry",
    "Registry": ".registry",
    "UnknownComponentError": ".registry",
    "Collision": ".manager",
    "PluginFailure": ".manager",
    "PluginInfo": ".manager",
    "PluginManager": ".manager",
    "SkippedPlugin": ".manager",
    "get_plugin_manager": ".manager",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())

if TYPE_CHECKING:
    from ..hookspecs import hookimpl as hookimpl
    from .component import Component as Component
    from .component import LazyConfig as LazyConfig
    from .manager import Collision as Collision
    from .manager import PluginFailure as PluginFailure
    from .manager import PluginInfo as PluginInfo
    from .manager import PluginManager as PluginManager
    from .manager import SkippedPlugin as SkippedPlugin
    from .manager import get_plugin_manager as get_plugin_manager
    from .registry import KINDS as KINDS
    from .registry import Registration as Registration
    from .registry import Registry as Registry
    from .registry import UnknownComponentError as UnknownComponentError
