"""The frame processors the benchmarks run in both frameworks, and as rtvi_core processor plugins.

``FrameProcessor`` and ``FrameDirection`` are Pipecat's in ``.venv-pipecat`` and rtvi_core's
(the same names and signatures) in ``.venv-rtvi``, where ``Component`` and ``NoSettings``
make a processor a plugin and :func:`processors_hook` gives the ``rtvi_register_processors``
hook that registers it (an ``rtvi_server.py`` loads the module as a plugin, so the bot file
can name it). Used by ``phone/heard.py`` and ``webrtc/echo.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["PIPECAT", "Component", "FrameDirection", "FrameProcessor", "NoSettings", "processors_hook"]

try:
    from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

    PIPECAT = True
    Component: Any = object
    NoSettings: Any = None
except ImportError:  # the rtvi_core venv
    from pydantic import BaseModel

    from rtvi_core import FrameProcessor
    from rtvi_core.direction import FrameDirection
    from rtvi_core.plugins import Component

    PIPECAT = False

    class NoSettings(BaseModel):  # type: ignore[no-redef]
        """No settings."""


def processors_hook(*processors: type) -> Callable[[Any], None] | None:
    """The ``rtvi_register_processors`` hook registering ``processors`` (None under Pipecat):
    assign it to a module attribute of that name."""
    if PIPECAT:
        return None
    from rtvi_core.plugins import hookimpl

    @hookimpl  # type: ignore[untyped-decorator]
    def rtvi_register_processors(register: Any) -> None:
        for processor in processors:
            register(processor)

    hook: Callable[[Any], None] = rtvi_register_processors
    return hook
