"""How errors name a processor: ``tts plugin 'piper'`` for a plugin component, else its name."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .processor import FrameProcessor


def describe_processor(processor: FrameProcessor) -> str:
    """``<kind> plugin '<name>'`` for a plugin component (one with ``PLUGIN_NAME``), else its name.

    The kind is the bot-file section its service base declares in ``PLUGIN_KIND``
    (``stt``, ``llm``, ``tts``); other components are ``processor`` plugins.
    """
    plugin = getattr(processor, "PLUGIN_NAME", None)
    if not isinstance(plugin, str) or not plugin:
        return processor.name
    return f"{getattr(processor, 'PLUGIN_KIND', 'processor')} plugin {plugin!r}"
