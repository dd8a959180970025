"""``ElevenLabsTTSService``: ElevenLabs voices over the multi-context WebSocket."""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

import anyio

from rtvi_core.frames import StartFrame
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.services.tts import TTSService, WordTimestamp

from .alignment import WordTimer
from .errors import ElevenLabsError, message_error
from .formats import check_base_url, is_loopback, output_format, stream_url
from .log import logger

if TYPE_CHECKING:
    from .connection import ElevenLabsSocket

DEFAULT_BASE_URL = "wss://api.elevenlabs.io"
DEFAULT_VOICE_ID = "21m00Tcm4TlvDq8ikWAM"  # "Rachel", a premade voice every account has
DEFAULT_MODEL = "eleven_flash_v2_5"
API_KEY_ENV = "ELEVENLABS_API_KEY"
DEFAULT_TIMEOUT_SECS = 10.0
#: Seconds of silence after which ElevenLabs closes the socket (its ``inactivity_timeout``).
DEFAULT_INACTIVITY_TIMEOUT = 60


class ElevenLabsTTSService(TTSService, Component):
    """Speaks through ``<base_url>/v1/text-to-speech/<voice_id>/multi-stream-input``.

    One socket per session, reused across turns (reopened when dropped) and kept
    alive through long pauses; one ElevenLabs context per bot turn, each sentence
    sent with ``flush`` as it completes, the context closed at the end of the turn
    and on an interruption (``close_context``: the provider stops generating). Audio
    comes as raw PCM at the pipeline's output rate; the character alignments time
    the words. Every failure is a non-fatal error naming ElevenLabs and what to do;
    the next sentence tries again. The key is ``api_key`` or ``ELEVENLABS_API_KEY``,
    read at start; a server on the loopback interface needs none.
    """

    PLUGIN_NAME = "elevenlabs"
    DESCRIPTION = "ElevenLabs voices over the multi-context WebSocket, with word timestamps"
    Config = LazyConfig("rtvi_elevenlabs.plugin:ElevenLabsTTSConfig")

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        voice_id: str = DEFAULT_VOICE_ID,
        model: str = DEFAULT_MODEL,
        language: str | None = None,
        speed: float | None = None,
        stability: float | None = None,
        similarity_boost: float | None = None,
        style: float | None = None,
        timeout_secs: float = DEFAULT_TIMEOUT_SECS,
        inactivity_timeout: int = DEFAULT_INACTIVITY_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = check_base_url(base_url)
        self.voice_id = voice_id
        self.model = model
        self.language = language
        self.timeout_secs = timeout_secs
        self.inactivity_timeout = inactivity_timeout
        self._api_key = api_key
        settings = {"speed": speed, "stability": stability, "similarity_boost": similarity_boost, "style": style}
        self.voice_settings = {name: value for name, value in settings.items() if value is not None}
        self._socket: ElevenLabsSocket | None = None
        self._has_key = False

    @property
    def key_source(self) -> str:
        """Where the API key comes from, for messages."""
        return (
            "the [tts] api_key setting"
            if self._api_key
            else f"the environment variable {API_KEY_ENV} (or [tts] api_key)"
        )

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, frame: StartFrame) -> None:
        """Pick the output format for the run's rate (``ValueError`` naming the rates that work)."""
        await super().start(frame)
        query = {
            "model_id": self.model,
            "output_format": output_format(self.sample_rate),
            "sync_alignment": "true",
            "inactivity_timeout": str(self.inactivity_timeout),
        }
        if self.language:
            query["language_code"] = self.language
        key = self._api_key or os.environ.get(API_KEY_ENV)
        headers = {"xi-api-key": key} if key else {}
        self._has_key = bool(key)
        url = stream_url(self.base_url, self.voice_id, query)
        from .connection import ElevenLabsSocket  # websockets: loaded by a run, not by `rtvi plugins`

        self._socket = ElevenLabsSocket(url, headers, self.key_source, self.timeout_secs)
        self.create_task(self._keep_alive(), "keep_alive")

    async def cleanup(self) -> None:
        """Close the socket once the run is over (its last sentence spoken, or cancelled)."""
        await super().cleanup()
        if self._socket is not None:
            await self._socket.close()

    async def _keep_alive(self) -> None:
        """Send ElevenLabs a keep-alive whenever the socket was idle for a third of its timeout."""
        idle = self.inactivity_timeout / 3
        while True:
            await anyio.sleep(idle)
            if self._socket is not None:
                await self._socket.keep_alive(idle)

    # -- synthesis ------------------------------------------------------------------------

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[bytes | WordTimestamp, None]:
        """Send one sentence to the turn's context; yield its words' timings and its audio."""
        if not any(char.isalnum() for char in text):
            return  # punctuation only: nothing to say
        socket = self._ready_socket()
        try:
            await socket.send_sentence(context_id, text, self.voice_settings)
            timer = WordTimer(text)
            received = 0  # bytes of this sentence's audio
            while not timer.complete:
                message = await socket.receive()
                if message is None:
                    if received and not timer.started:  # audio without timings: take it as it is
                        logger.warning("ElevenLabs sent no timings for %r; its words are not timed", text[:60])
                        return
                    raise ElevenLabsError(self._silence(received))
                if message.error is not None:
                    raise message_error(message.error, self.key_source)
                if message.context_id != context_id:
                    continue  # an earlier context's late audio or isFinal
                if message.is_final:
                    return
                if message.alignment is not None:
                    for word in timer.feed(message.alignment, received / (2 * self.sample_rate)):
                        yield word
                if message.audio:
                    yield message.audio
                    received += len(message.audio)
        except ElevenLabsError:
            await socket.close()
            raise

    def _silence(self, received: int) -> str:
        """The error for a sentence that got no answer for ``timeout_secs``."""
        if not received:
            what, outcome = "sent no audio", "skipped"
        else:
            what, outcome = "stopped answering mid-sentence", "cut short"
        return (
            f"ElevenLabs {what} for {self.timeout_secs:g} s (timeout_secs); the sentence is {outcome}, "
            "the next one reconnects"
        )

    async def on_context_finished(self, context_id: str) -> None:
        """The turn is over: close its context at ElevenLabs."""
        if self._socket is not None:
            await self._socket.close_context(context_id)

    async def on_context_interrupted(self, context_id: str) -> None:
        """Interrupted: close the open contexts so that ElevenLabs stops generating them.

        That is the turn's context, and the one of a ``TTSSpeakFrame`` spoken in the
        middle of it, if any: no context survives an interruption.
        """
        if self._socket is not None:
            await self._socket.close_all_contexts()

    def _ready_socket(self) -> ElevenLabsSocket:
        if self._socket is None:
            raise ElevenLabsError("ElevenLabs: the service has not started")
        if not self._has_key and not is_loopback(self.base_url):
            raise ElevenLabsError(f"ElevenLabs: no API key for {self.base_url}: set {self.key_source}")
        return self._socket
