"""The Pipecat 1.14 side of the ``phone_calls`` benchmark: a Twilio phone bot (run in ``.venv-pipecat``).

What a Pipecat user's Twilio bot looks like, served as Pipecat's runner serves one
(FastAPI + uvicorn): ``POST /`` answers TwiML ``<Connect><Stream url="ws://HOST/ws">``,
and ``/ws`` reads the stream's ``connected``/``start`` (``parse_telephony_websocket``)
and runs one pipeline per call::

    FastAPIWebsocketTransport(TwilioFrameSerializer(auto_hang_up=False), 16 kHz in, 24 kHz out)
    transport.input() -> Heard -> user aggregator (energy VAD) -> EchoLLM -> ToneTTS
      -> transport.output() -> assistant aggregator

The parts are equivalents of rtvi_core's built-ins, so that no model dominates and both
frameworks do the same work (``phone.toml`` is the rtvi_core bot):

* ``EnergyVAD``: rtvi_core's ``energy`` VAD (RMS level mapped onto a confidence between
  -55 and -35 dBFS, 20 ms windows) with rtvi_core's ``VADParams`` defaults;
* ``EchoLLM``: rtvi_core's ``echo`` LLM fallback, "You said: {text}", streamed word by word;
* ``ToneTTS``: rtvi_core's ``tone`` TTS (``tones.py``: one tone per word, same lengths);
* ``Heard`` (``heard.py``, shared): the stand-in STT.

Run: ``python pipecat_server.py [--port 0]``; prints ``listening on http://H:P`` on stderr
once it accepts connections.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import re
import sys
import warnings
from pathlib import Path

from fastapi import Request, WebSocket
from fastapi.responses import Response
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams
from pipecat.frames.frames import (
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSAudioRawFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.runner import PipelineRunner
from pipecat.pipeline.task import PipelineParams, PipelineTask
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair, LLMUserAggregatorParams
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.services.llm_service import LLMService
from pipecat.services.settings import LLMSettings, TTSSettings
from pipecat.services.tts_service import TTSService
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pipecat.turns.user_stop.speech_timeout_user_turn_stop_strategy import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import pipecat_app  # noqa: E402
from heard import Heard  # noqa: E402
from tones import word_tone  # noqa: E402

warnings.simplefilter("ignore", DeprecationWarning)

#: rtvi_core's echo LLM's word chunks (a word and the spaces after it).
_WORDS = re.compile(r"\S+\s*")


class EnergyVAD(VADAnalyzer):
    """rtvi_core's energy VAD: confidence 0 at -55 dBFS rising linearly to 1 at -35 dBFS."""

    SILENCE_DBFS, SPEECH_DBFS = -55.0, -35.0

    def num_frames_required(self) -> int:
        return max(1, int(self.sample_rate * 0.02))

    def voice_confidence(self, buffer: bytes) -> float:
        count = len(buffer) // 2
        if not count:
            return 0.0
        samples = memoryview(buffer)[: count * 2].cast("h")
        rms = math.sqrt(sum(s * s for s in samples) / count)
        level = 20 * math.log10(rms / 32768) if rms > 0 else -120.0
        confidence = (level - self.SILENCE_DBFS) / (self.SPEECH_DBFS - self.SILENCE_DBFS)
        return min(1.0, max(0.0, confidence))


class EchoLLM(LLMService):
    """Answers each context with "You said: {the last user message}", word by word."""

    def __init__(self) -> None:
        fields = dataclasses.fields(LLMSettings)
        super().__init__(settings=LLMSettings(**{f.name: None for f in fields if f.name != "extra"}))

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if not isinstance(frame, LLMContextFrame):
            await self.push_frame(frame, direction)
            return
        users = [m for m in frame.context.get_messages() if m.get("role") == "user"]
        text = str(users[-1].get("content", "")).strip() if users else ""
        reply = f"You said: {text}" if text else "Hello! How can I help you today?"
        await self.push_frame(LLMFullResponseStartFrame())
        for chunk in _WORDS.findall(reply):
            await self.push_frame(LLMTextFrame(chunk))
        await self.push_frame(LLMFullResponseEndFrame())


class ToneTTS(TTSService):
    """rtvi_core's tone TTS: each word's tone (``tones.word_tone``), as fast as it is made."""

    def __init__(self) -> None:
        fields = dataclasses.fields(TTSSettings)
        settings = TTSSettings(**{f.name: None for f in fields if f.name != "extra"})
        super().__init__(settings=settings, push_start_frame=True, push_stop_frames=True)

    def can_generate_metrics(self) -> bool:
        return True

    async def run_tts(self, text: str, context_id: str):
        for word in text.split():
            yield TTSAudioRawFrame(word_tone(word, self.sample_rate), self.sample_rate, 1, context_id)


async def run_bot(websocket: WebSocket) -> None:
    """One call: the pipeline above, until the stream stops or the socket closes."""
    _, call = await parse_telephony_websocket(websocket)
    serializer = TwilioFrameSerializer(
        stream_sid=call["stream_id"],
        call_sid=call["call_id"],
        params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
    )
    transport = FastAPIWebsocketTransport(
        websocket,
        FastAPIWebsocketParams(
            audio_in_enabled=True, audio_out_enabled=True, add_wav_header=False, serializer=serializer
        ),
    )
    vad = EnergyVAD(params=VADParams(confidence=0.7, start_secs=0.2, stop_secs=0.8, min_volume=0.6))
    turns = UserTurnStrategies(stop=[SpeechTimeoutUserTurnStopStrategy()])
    aggregators = LLMContextAggregatorPair(
        LLMContext(), user_params=LLMUserAggregatorParams(vad_analyzer=vad, user_turn_strategies=turns)
    )
    pipeline = Pipeline(
        [
            transport.input(),
            Heard(),
            aggregators.user(),
            EchoLLM(),
            ToneTTS(),
            transport.output(),
            aggregators.assistant(),
        ]
    )
    params = PipelineParams(audio_in_sample_rate=16000, audio_out_sample_rate=24000, allow_interruptions=True)
    task = PipelineTask(pipeline, params=params)

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client):
        await task.cancel()

    await PipelineRunner(handle_sigint=False).run(task)


def make_app():
    """Pipecat runner's routes for Twilio: the webhook at ``POST /`` and the stream at ``/ws``."""
    app = pipecat_app.websocket_app(run_bot)

    @app.post("/")
    async def incoming_call(request: Request) -> Response:
        await request.body()
        twiml = (
            '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>'
            f'<Stream url="ws://{request.headers["host"]}/ws"></Stream></Connect></Response>'
        )
        return Response(content=twiml, media_type="application/xml")

    return app


def main() -> None:
    args = pipecat_app.parse_args(__doc__)
    asyncio.run(pipecat_app.serve(make_app(), args.host, args.port))


if __name__ == "__main__":
    main()
