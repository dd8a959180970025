"""``PluginVADAnalyzer``: what the plugin's analyzers share on top of the core ``VADAnalyzer``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rtvi_core.plugins.component import Component
from rtvi_core.records import split_record
from rtvi_core.services.vad import VADAnalyzer, VADParams

if TYPE_CHECKING:
    from typing import Self


class PluginVADAnalyzer(VADAnalyzer, Component):
    """A ``VADAnalyzer`` built from flat bot-file settings."""

    @classmethod
    def from_config(cls, config: Any) -> Self:
        """An analyzer from flat settings: ``params=VADParams(...)`` plus its own keywords."""
        params, own = split_record(VADParams, dict(config))
        return cls(params=params, **own)
