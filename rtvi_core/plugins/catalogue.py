"""The plugins of this repository a bot file may name, and the command installing one.

When a bot file names a component that is not installed, ``rtvi validate`` and
``rtvi run`` say which distribution provides it, if it is one of these.
"""

from __future__ import annotations

import shlex

#: Where this repository keeps the source of its plugin distributions.
PLUGINS_SOURCE_DIR = "plugins"

#: (kind, name) of a component → the distribution in ``plugins/`` that provides it.
PROVIDERS: dict[tuple[str, str], str] = {
    ("transports", "websocket"): "rtvi-websocket",
    ("transports", "webrtc"): "rtvi-webrtc",
    ("transports", "twilio"): "rtvi-telephony",
    ("transports", "telnyx"): "rtvi-telephony",
    ("transports", "plivo"): "rtvi-telephony",
    ("transports", "exotel"): "rtvi-telephony",
    ("actions", "hang-up"): "rtvi-telephony",
    ("vad", "silero"): "rtvi-silero",
    ("stt", "whisper"): "rtvi-whisper",
    ("stt", "deepgram"): "rtvi-deepgram",
    ("llm", "openai"): "rtvi-openai",
    ("llm", "anthropic"): "rtvi-anthropic",
    ("llm", "gemini"): "rtvi-gemini",
    ("llm", "llamacpp"): "rtvi-llamacpp",
    ("tts", "piper"): "rtvi-piper",
    ("tts", "espeak"): "rtvi-espeak",
    ("tts", "cartesia"): "rtvi-cartesia",
    ("tts", "elevenlabs"): "rtvi-elevenlabs",
    ("clusters", "redis"): "rtvi-cluster",
    # not a component: the [metrics] table's GET /metrics (an rtvi_server_extensions hook)
    ("metrics", "prometheus"): "rtvi-prometheus",
}


def install_command(requirement: str) -> str:
    """The command installing ``requirement`` (``"rtvi-whisper[tiny-en]"``) from this
    repository's sources: ``pip install -e 'plugins/rtvi-whisper[tiny-en]'``."""
    return f"pip install -e {shlex.quote(f'{PLUGINS_SOURCE_DIR}/{requirement}')}"


def install_hint(kind: str, name: str) -> str | None:
    """``it comes with rtvi-x: pip install -e plugins/rtvi-x`` for a known component, else None."""
    distribution = PROVIDERS.get((kind, name))
    if distribution is None:
        return None
    return f"it comes with {distribution}: {install_command(distribution)}"
