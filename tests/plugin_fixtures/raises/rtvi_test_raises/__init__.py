"""A test plugin whose registration hook raises after registering one component."""

from rtvi_core.builtins.tone_tts import ToneTTSService
from rtvi_core.plugins import hookimpl


class PartialTTSService(ToneTTSService):
    PLUGIN_NAME = "partial"


@hookimpl
def rtvi_register_tts(register):
    register(PartialTTSService)
    raise RuntimeError("the TTS backend is not configured")
