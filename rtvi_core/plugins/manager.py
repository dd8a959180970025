"""``PluginManager``: loads the built-ins and the installed plugins, each on its own.

Installed plugins are the entry points of the ``rtvi`` group, loaded in order of
entry-point name after the built-ins (so a name a built-in has stays the built-in's).
A plugin that fails to import, implements a hook that does not exist, or raises
in a registration hook is not loaded at all; a name another plugin already took is
refused alone. Each of these is recorded in :attr:`PluginManager.failures` (and
logged at INFO level), and everything else keeps working.

Environment (read by :func:`get_plugin_manager`):
``RTVI_DISABLE_PLUGIN_AUTOLOAD=1`` loads the built-ins only;
``RTVI_PLUGINS_ALLOW=a,b`` loads only those plugins; ``RTVI_PLUGINS_BLOCK=a,b``
never loads those. A plugin is named by its entry-point name or its distribution.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

import pluggy
from pydantic import BaseModel, ConfigDict

from .. import hookspecs
from .._version import __version__
from .registry import KIND_LABELS, KINDS, NoConfig, Registration, Registry

if TYPE_CHECKING:
    from ..server.extensions import ServerExtension
    from ..server.server import SessionServer

logger = logging.getLogger("rtvi_core.plugins")

ENTRY_POINT_GROUP = "rtvi"
#: The plugin name of the core's own components.
BUILTINS = "builtins"
ENV_DISABLE_AUTOLOAD = "RTVI_DISABLE_PLUGIN_AUTOLOAD"
ENV_ALLOW = "RTVI_PLUGINS_ALLOW"
ENV_BLOCK = "RTVI_PLUGINS_BLOCK"

_REGISTER_HOOKS = {f"rtvi_register_{kind}": kind for kind in KINDS}
_HOOK_NAMES = [name for name in vars(hookspecs) if name.startswith("rtvi_")]
_HOOKS_HINT = "the hooks are in rtvi_core.hookspecs"
_TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass
class PluginInfo:
    """A loaded plugin: entry-point name, distribution, and its names per kind."""

    name: str
    distribution: str
    version: str
    registered: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Collision:
    """A name a plugin was refused because ``owner`` (from ``owner_distribution``) had it."""

    kind: str
    name: str
    owner: str
    owner_distribution: str


@dataclass
class PluginFailure:
    """A plugin that failed: not loaded at all, or loaded without its ``collisions``."""

    name: str
    distribution: str
    version: str
    error: str
    collisions: list[Collision] = field(default_factory=list)


@dataclass(frozen=True)
class SkippedPlugin:
    """An installed plugin left out by the allow or block list."""

    name: str
    distribution: str
    version: str
    reason: str


class PluginManager:
    """The built-ins and (with ``autoload``) the installed plugins, with their registry.

    ``allow``: load only the plugins named there (None: all); ``block``: never load
    those. Built-ins always load. ``pm`` is the underlying :class:`pluggy.PluginManager`.
    """

    def __init__(
        self,
        *,
        autoload: bool = True,
        allow: Iterable[str] | None = None,
        block: Iterable[str] = (),
    ) -> None:
        self.autoload = autoload
        self.pm = pluggy.PluginManager("rtvi")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: list[PluginInfo] = []
        self.failures: list[PluginFailure] = []
        self.registry = Registry(failed=self._not_loaded)
        self.skipped: list[SkippedPlugin] = []
        from ..builtins import plugin as builtins_plugin

        self._load(builtins_plugin, BUILTINS, "rtvi-core", __version__)
        if autoload:
            self._load_installed(None if allow is None else _normalized(allow), _normalized(block))

    def load_plugin(self, plugin: Any, name: str, *, distribution: str = "<in-process>", version: str = "") -> bool:
        """Load a plugin object (a module or instance with ``rtvi_*`` hooks) that is not installed.

        For applications that embed rtvi_core and for tests: the plugin is registered
        exactly as an installed one would be (its components usable by name). False
        (and an entry in :attr:`failures`) when it cannot be loaded.
        """
        failed = len(self.failures)
        self._load(plugin, name, distribution, version)
        return len(self.failures) == failed

    def _not_loaded(self) -> list[str]:
        """The names of the plugins that failed to load at all."""
        loaded = {info.name for info in self.plugins}
        return [failure.name for failure in self.failures if failure.name not in loaded]

    # -- lifecycle hooks, called by `rtvi run` ------------------------------------------

    def session_started(self, session: Any) -> None:
        """Fire ``rtvi_session_started``; a plugin's exception is logged, not raised."""
        self._notify("rtvi_session_started", session=session)

    def session_ended(self, session: Any) -> None:
        """Fire ``rtvi_session_ended``; a plugin's exception is logged, not raised."""
        self._notify("rtvi_session_ended", session=session)

    def server_extensions(self, server: SessionServer) -> list[ServerExtension]:
        """Fire ``rtvi_server_extensions`` for ``server``: the extensions the plugins registered.

        A plugin's exception is logged, not raised.
        """
        extensions: list[ServerExtension] = []
        self._notify("rtvi_server_extensions", server=server, register=extensions.append)
        return extensions

    def _notify(self, hook_name: str, **kwargs: Any) -> None:
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            try:
                _call(impl, kwargs)
            except Exception:
                logger.exception("plugin %r raised in %s", impl.plugin_name, hook_name)

    # -- loading ------------------------------------------------------------------------

    def _load_installed(self, allow: set[str] | None, block: set[str]) -> None:
        for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
            distribution, version = _distribution_of(point)
            names = {_normalize(point.name), _normalize(distribution)}
            reason = (
                "in the block list"
                if names & block
                else "not in the allow list"
                if allow is not None and not names & allow
                else None
            )
            if reason is not None:
                self.skipped.append(SkippedPlugin(point.name, distribution, version, reason))
                continue
            try:
                plugin = point.load()
            except Exception as exc:  # anything a broken plugin module may raise
                self._fail(point.name, distribution, version, f"import failed: {_describe(exc)}")
                continue
            self._load(plugin, point.name, distribution, version)

    def _load(self, plugin: Any, name: str, distribution: str, version: str) -> None:
        """Register ``plugin`` with pluggy, run its registration hooks, keep its free names."""
        if self.pm.has_plugin(name):
            taken = next(p for p in self.plugins if p.name == name)
            self._fail(name, distribution, version, f"the plugin name {name!r} is taken by {taken.distribution}")
            return
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:  # e.g. a hook with arguments its spec does not have
            self._fail(name, distribution, version, _describe(exc))
            return
        try:
            self._check_hooks(plugin)
            staged = self._call_register_hooks(plugin, name, distribution, version)
        except Exception as exc:
            self.pm.unregister(plugin)
            self._fail(name, distribution, version, _describe(exc))
            return
        info = PluginInfo(name, distribution, version)
        collisions = []
        for registration in sorted(staged, key=lambda r: KINDS.index(r.kind)):
            owner = self.registry.find(registration.kind, registration.name)
            if owner is not None:
                collisions.append(
                    Collision(registration.kind, registration.name, owner.plugin_name, owner.distribution)
                )
                continue
            self.registry.add(registration)
            info.registered.setdefault(registration.kind, []).append(registration.name)
        self.plugins.append(info)
        if collisions:
            error = "; ".join(
                f"{KIND_LABELS[c.kind]} {c.name!r} is already registered by {c.owner!r} ({c.owner_distribution})"
                for c in collisions
            )
            self._fail(name, distribution, version, error, collisions)

    def _check_hooks(self, plugin: Any) -> None:
        """Raise ``LookupError`` if ``plugin`` implements a hook that has no spec."""
        for caller in self.pm.get_hookcallers(plugin) or ():
            if caller.has_spec():
                continue
            impls = [impl for impl in caller.get_hookimpls() if impl.plugin is plugin]
            if not all(impl.optionalhook for impl in impls):
                close = difflib.get_close_matches(caller.name, _HOOK_NAMES, n=1, cutoff=0.88)
                hint = f"did you mean {close[0]!r}?" if close else _HOOKS_HINT
                raise LookupError(f"unknown hook {caller.name!r}; {hint}")

    def _call_register_hooks(self, plugin: Any, name: str, distribution: str, version: str) -> list[Registration]:
        staged: list[Registration] = []
        for caller in self.pm.get_hookcallers(plugin) or ():
            kind = _REGISTER_HOOKS.get(caller.name)
            if kind is None:
                continue

            def register(obj: Any, kind: str = kind) -> None:
                staged.append(_registration(kind, obj, name, distribution, version))

            for impl in caller.get_hookimpls():
                if impl.plugin is plugin:
                    _call(impl, {"register": register})
        return staged

    def _fail(
        self,
        name: str,
        distribution: str,
        version: str,
        error: str,
        collisions: list[Collision] | None = None,
    ) -> None:
        logger.info("plugin %r (%s %s): %s", name, distribution, version, error)
        self.failures.append(PluginFailure(name, distribution, version, error, collisions or []))


def _registration(kind: str, obj: Any, plugin: str, distribution: str, version: str) -> Registration:
    """Check what a hook passed to ``register`` (``TypeError`` if unusable)."""
    label = KIND_LABELS[kind]
    if kind == "cli_commands":
        name, config = getattr(obj, "name", None), None
        for method in ("register", "run"):
            if not callable(getattr(obj, method, None)):
                raise TypeError(f"{label} {obj!r} has no {method}() method")
    else:
        name, config = getattr(obj, "PLUGIN_NAME", None), _strict(getattr(obj, "Config", None), obj)
    if not isinstance(name, str) or not name:
        attribute = "name" if kind == "cli_commands" else "PLUGIN_NAME"
        raise TypeError(f"{label} {obj!r} has no {attribute} (a non-empty string)")
    return Registration(kind, name, obj, config, plugin, distribution, version)


def _strict(model: Any, owner: Any) -> type[BaseModel]:
    """``model`` (None: no parameters), forbidding unknown keys unless it says otherwise."""
    if model is None:
        return NoConfig
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{owner!r}.Config must be a pydantic model class, not {model!r}")
    if model.model_config.get("extra") is not None:
        return model
    namespace = {
        "model_config": ConfigDict(extra="forbid"),
        "__doc__": model.__doc__,
        "__module__": model.__module__,
        "__qualname__": model.__qualname__,
    }
    return type(model.__name__, (model,), namespace)


def _call(impl: pluggy.HookImpl, kwargs: dict[str, Any]) -> Any:
    """Call one hook implementation with the arguments it asks for (as pluggy does)."""
    return impl.function(*[kwargs[arg] for arg in impl.argnames])


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _distribution_of(point: EntryPoint) -> tuple[str, str]:
    dist = point.dist
    return (dist.name, dist.version) if dist is not None else ("unknown", "unknown")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _normalized(names: Iterable[str]) -> set[str]:
    return {_normalize(n) for n in names}


def _env_names(variable: str) -> frozenset[str]:
    return frozenset(n.strip() for n in os.environ.get(variable, "").split(",") if n.strip())


_managers: dict[tuple[bool, frozenset[str] | None, frozenset[str]], PluginManager] = {}


def get_plugin_manager(*, autoload: bool | None = None) -> PluginManager:
    """The plugin manager for the current environment, loaded once and cached.

    ``autoload`` None follows ``RTVI_DISABLE_PLUGIN_AUTOLOAD``; False loads the
    built-ins only (what the test kit uses unless a test asks for plugins). The
    allow and block lists come from ``RTVI_PLUGINS_ALLOW`` / ``RTVI_PLUGINS_BLOCK``.
    """
    if autoload is None:
        autoload = os.environ.get(ENV_DISABLE_AUTOLOAD, "").strip().lower() not in _TRUE
    allow = (_env_names(ENV_ALLOW) or None) if autoload else None
    block = _env_names(ENV_BLOCK) if autoload else frozenset()
    key = (autoload, allow, block)
    manager = _managers.get(key)
    if manager is None:
        manager = _managers[key] = PluginManager(autoload=autoload, allow=allow, block=block)
    return manager
