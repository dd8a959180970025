"""The Pipecat 1.14 side of the ``calls`` benchmark: a voice bot on cloud services (run in ``.venv-pipecat``).

What a Pipecat user's phone-or-browser bot on cloud models looks like, served as
Pipecat's runner serves a WebSocket bot (FastAPI + uvicorn, ``POST /start`` ->
``{"wsUrl"}``, ``GET /health``), one pipeline per connection::

    FastAPIWebsocketTransport(ProtobufFrameSerializer, 16 kHz in, 24 kHz out)
    transport.input() -> DeepgramSTTService -> user aggregator (Silero VAD)
      -> OpenAILLMService -> CartesiaTTSService -> transport.output() -> assistant aggregator

Every service points at ``benchmarks/calls/fakes.py`` (``--ws-port``, ``--http-port``) through
its base URL setting, as the rtvi_core bot file (``calls.toml``) does. The turn ends on the
VAD's stop plus the speech-timeout strategy (not the Smart Turn model, which rtvi_core has no
counterpart of and which would load an ONNX model per session).

Run: ``python pipecat_server.py --ws-port P --http-port Q [--port 0]``; prints ``listening
on http://H:P`` on stderr once it accepts connections.
"""

from __future__ import annotations

import asyncio
import sys
import warnings
from pathlib import Path

from fastapi import WebSocket
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.runner import PipelineRunner
from pipecat.pipeline.task import PipelineParams, PipelineTask
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.serializers.protobuf import ProtobufFrameSerializer
from pipecat.services.cartesia.tts import CartesiaTTSService
from pipecat.services.deepgram.stt import DeepgramSTTService
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pipecat.turns.user_stop.speech_timeout_user_turn_stop_strategy import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pipecat_app

warnings.simplefilter("ignore", DeprecationWarning)

SYSTEM_PROMPT = "You are a helpful voice assistant. Answer in two short sentences."
#: Deepgram's endpointing, as calls.toml sets it (the fake ends an utterance after this much silence).
ENDPOINTING_MS = 300

ports: dict[str, int] = {}


async def run_bot(websocket: WebSocket) -> None:
    """One call: the pipeline above, until the client disconnects."""
    transport = FastAPIWebsocketTransport(
        websocket,
        FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            add_wav_header=False,
            serializer=ProtobufFrameSerializer(),
        ),
    )
    stt = DeepgramSTTService(
        api_key="bench",
        base_url=f"ws://127.0.0.1:{ports['ws']}",
        settings=DeepgramSTTService.Settings(endpointing=ENDPOINTING_MS),
    )
    llm = OpenAILLMService(
        api_key="bench",
        base_url=f"http://127.0.0.1:{ports['http']}/v1",
        settings=OpenAILLMService.Settings(model="gpt-4o-mini", system_instruction=SYSTEM_PROMPT),
    )
    tts = CartesiaTTSService(
        api_key="bench",
        url=f"ws://127.0.0.1:{ports['ws']}/tts/websocket",
        settings=CartesiaTTSService.Settings(voice="bench-voice"),
    )
    turns = UserTurnStrategies(stop=[SpeechTimeoutUserTurnStopStrategy()])
    aggregators = LLMContextAggregatorPair(
        LLMContext(),
        user_params=LLMUserAggregatorParams(vad_analyzer=SileroVADAnalyzer(), user_turn_strategies=turns),
    )
    pipeline = Pipeline(
        [transport.input(), stt, aggregators.user(), llm, tts, transport.output(), aggregators.assistant()]
    )
    params = PipelineParams(audio_in_sample_rate=16000, audio_out_sample_rate=24000, allow_interruptions=True)
    task = PipelineTask(pipeline, params=params)

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client):
        await task.cancel()

    await PipelineRunner(handle_sigint=False).run(task)  # as the other benchmark servers


def main() -> None:
    args = pipecat_app.parse_args(__doc__, extra=[("--ws-port", int), ("--http-port", int)])
    ports.update(ws=args.ws_port, http=args.http_port)
    asyncio.run(pipecat_app.serve(pipecat_app.websocket_app(run_bot), args.host, args.port))


if __name__ == "__main__":
    main()
