"""Providers that misbehave on purpose, as an in-process plugin for the hostile-input tests.

Each TTS speaks like the tone TTS once started. The first instance of ``hang-once``
never finishes ``start()``, the first of ``fail-once`` raises there (later sessions start
normally, so a second session beside the broken one can be checked); every instance of
``stubborn`` hangs in ``start()`` and swallows every cancellation (a task the event loop
can never end). Load it with ``PluginManager.load_plugin(faulty_providers, "faulty")``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rtvi_core.builtins.plugin import ToneTTSConfig
from rtvi_core.builtins.tone_tts import ToneTTSService
from rtvi_core.frames import StartFrame
from rtvi_core.hookspecs import hookimpl

#: Which of the "once" providers have misbehaved already (reset by the tests).
misbehaved: set[str] = set()


class HangOnceTTS(ToneTTSService):
    """The first instance's ``start()`` never returns."""

    PLUGIN_NAME = "hang-once"
    Config = ToneTTSConfig

    async def start(self, frame: StartFrame) -> None:
        if self.PLUGIN_NAME not in misbehaved:
            misbehaved.add(self.PLUGIN_NAME)
            await asyncio.Event().wait()
        await super().start(frame)


class FailOnceTTS(ToneTTSService):
    """The first instance's ``start()`` raises."""

    PLUGIN_NAME = "fail-once"
    Config = ToneTTSConfig

    async def start(self, frame: StartFrame) -> None:
        if self.PLUGIN_NAME not in misbehaved:
            misbehaved.add(self.PLUGIN_NAME)
            raise RuntimeError("the voice model is missing")
        await super().start(frame)


class StubbornTTS(ToneTTSService):
    """``start()`` never returns and ignores every cancellation."""

    PLUGIN_NAME = "stubborn"
    Config = ToneTTSConfig

    async def start(self, frame: StartFrame) -> None:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue


@hookimpl
def rtvi_register_tts(register: Callable[[type], None]) -> None:
    """Register the misbehaving TTS providers."""
    for cls in (HangOnceTTS, FailOnceTTS, StubbornTTS):
        register(cls)
