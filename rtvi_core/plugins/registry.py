"""The registry: every registered component, by kind and plugin name."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

#: What plugins register, one ``rtvi_register_<kind>`` hook each.
KINDS: tuple[str, ...] = (
    "transports",
    "serializers",
    "vad",
    "turn_analyzers",
    "stt",
    "llm",
    "tts",
    "actions",
    "observers",
    "processors",
    "clusters",
    "cli_commands",
)

#: How messages name one component of each kind.
KIND_LABELS: dict[str, str] = {
    "transports": "transport",
    "serializers": "serializer",
    "vad": "VAD analyzer",
    "turn_analyzers": "turn analyzer",
    "stt": "STT service",
    "llm": "LLM service",
    "tts": "TTS service",
    "actions": "action",
    "observers": "observer",
    "processors": "processor",
    "clusters": "cluster",
    "cli_commands": "CLI command",
}


class NoConfig(BaseModel):
    """The parameters of a component that takes none."""

    model_config = ConfigDict(extra="forbid")


class UnknownComponentError(LookupError):
    """No component of ``kind`` is registered as ``name``; the message suggests close names."""

    def __init__(self, kind: str, name: str, available: list[str], failed: list[str] | None = None) -> None:
        self.kind = kind
        self.name = name
        self.available = available
        self.suggestions = difflib.get_close_matches(name, available, n=3, cutoff=0.6)
        label = KIND_LABELS[kind]
        if self.suggestions:
            hint = "did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        elif available:
            hint = "installed: " + ", ".join(available)
        else:
            hint = f"no {label} is installed"
        if failed:
            hint += f" (plugins that failed to load: {', '.join(failed)}; see `rtvi plugins`)"
        super().__init__(f"unknown {label} {name!r}; {hint}")


def build_component(obj: Any, config: BaseModel) -> Any:
    """A new component (or bound action) from its validated ``config``.

    ``obj.from_config(config)``; an object without ``from_config`` (e.g. a factory
    function) is called with the validated fields as keyword arguments.
    """
    from_config = getattr(obj, "from_config", None)
    return from_config(config) if from_config is not None else obj(**dict(config))


@dataclass(frozen=True)
class Registration:
    """One registered component: what it is, its parameters, and who registered it.

    ``plugin_name`` is the entry-point name (``"builtins"`` for the core's own);
    ``config_model`` is None only for CLI commands.
    """

    kind: str
    name: str
    obj: Any
    config_model: type[BaseModel] | None
    plugin_name: str
    distribution: str
    version: str

    @property
    def description(self) -> str:
        """The component's one-line ``DESCRIPTION`` (may be empty)."""
        return getattr(self.obj, "DESCRIPTION", "") or ""

    def missing(self) -> str | None:
        """What the component lacks to run with its defaults: the message of its
        ``check_installed()`` (see :class:`~rtvi_core.plugins.Component`); None when
        the check passes or the component has none."""
        check = getattr(self.obj, "check_installed", None)
        if not callable(check):
            return None
        try:
            check()
        except Exception as exc:  # whatever a plugin's check raises is what it lacks
            return str(exc) or type(exc).__name__
        return None

    def validate(self, params: Mapping[str, Any] | None = None) -> BaseModel:
        """``params`` checked against the component's ``Config`` (pydantic ``ValidationError``)."""
        if self.config_model is None:
            raise TypeError(f"{KIND_LABELS[self.kind]} {self.name!r} takes no configuration")
        return self.config_model.model_validate(dict(params or {}))

    def create(self, params: Mapping[str, Any] | None = None) -> Any:
        """Validate ``params`` and build the component (see :func:`build_component`)."""
        return build_component(self.obj, self.validate(params))


class Registry:
    """Components by kind, then by name, in registration order (built-ins first).

    ``failed`` returns the plugins that failed to load, named in lookup errors.
    """

    def __init__(self, failed: Callable[[], list[str]] = list) -> None:
        self._kinds: dict[str, dict[str, Registration]] = {kind: {} for kind in KINDS}
        self._failed = failed

    def _of(self, kind: str) -> dict[str, Registration]:
        try:
            return self._kinds[kind]
        except KeyError:
            raise ValueError(f"unknown kind {kind!r}; kinds are {', '.join(KINDS)}") from None

    def get(self, kind: str, name: str) -> Registration:
        """The component of ``kind`` named ``name`` (:class:`UnknownComponentError` if none)."""
        registrations = self._of(kind)
        try:
            return registrations[name]
        except KeyError:
            raise UnknownComponentError(kind, name, list(registrations), self._failed()) from None

    def find(self, kind: str, name: str) -> Registration | None:
        """The component of ``kind`` registered as ``name``, or None."""
        return self._of(kind).get(name)

    def names(self, kind: str) -> list[str]:
        """The names registered for ``kind``, in registration order."""
        return list(self._of(kind))

    def registrations(self, kind: str) -> list[Registration]:
        """The registrations of ``kind``, in registration order."""
        return list(self._of(kind).values())

    def add(self, registration: Registration) -> None:
        """Add a registration whose name is free (the plugin manager checks collisions)."""
        registrations = self._of(registration.kind)
        if registration.name in registrations:
            raise ValueError(f"{registration.kind} {registration.name!r} is already registered")
        registrations[registration.name] = registration
