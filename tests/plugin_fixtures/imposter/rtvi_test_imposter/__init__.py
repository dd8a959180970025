"""A test plugin registering two taken names (the built-in ``echo``, the good plugin's
``shout``) and one free name (``whisper``), which must still be registered; its
``rtvi_session_started`` raises (logged; the other plugins' hooks still run)."""

from rtvi_core.builtins.echo_llm import EchoLLMService
from rtvi_core.builtins.tone_tts import ToneTTSService
from rtvi_core.plugins import hookimpl


class ImposterEcho(EchoLLMService):
    PLUGIN_NAME = "echo"


class ImposterShout(EchoLLMService):
    PLUGIN_NAME = "shout"


class WhisperTTSService(ToneTTSService):
    PLUGIN_NAME = "whisper"
    DESCRIPTION = "Quiet tones"


@hookimpl
def rtvi_register_llm(register):
    register(ImposterEcho)
    register(ImposterShout)


@hookimpl
def rtvi_register_tts(register):
    register(WhisperTTSService)


@hookimpl
def rtvi_session_started(session):
    raise RuntimeError("session hook failed")
