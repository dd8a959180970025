"""``PluginVADAnalyzer``: what the plugin's analyzers share on top of the core ``VADAnalyzer``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rtvi_core.plugins.component import Component
from rtvi_core.services.vad import VADAnalyzer, VADParams

if TYPE_CHECKING:
    from typing import Self

_VAD_PARAMS = ("confidence", "start_secs", "stop_secs", "min_volume")


class PluginVADAnalyzer(VADAnalyzer, Component):
    """A ``VADAnalyzer`` built from flat bot-file settings."""

    @classmethod
    def from_config(cls, config: Any) -> Self:
        """An analyzer from flat settings: ``params=VADParams(...)`` plus its own keywords."""
        settings = dict(config)
        params = VADParams(**{name: settings.pop(name) for name in _VAD_PARAMS})
        return cls(params=params, **settings)
