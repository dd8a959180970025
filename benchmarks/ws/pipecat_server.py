"""The Pipecat 1.14 side of the ``ws_sessions`` benchmark: a minimal RTVI bot server.

What Pipecat's own runner (``pipecat.runner.run``) does for its plain WebSocket
transport, reduced to the routes the benchmark uses: a FastAPI app served by
``uvicorn`` with its defaults (h11, ws ``auto``, asyncio loop, access log on),
``POST /start`` -> ``{"wsUrl": ...}``, ``GET /health`` -> ``{"status", "sessions"}``,
and at ``/ws`` one pipeline per connection::

    FastAPIWebsocketTransport(ProtobufFrameSerializer, audio in/out off)
    transport.input() -> user aggregator -> IdleLLM -> transport.output() -> assistant aggregator
                         (speech-timeout turn stop, not Smart Turn)

in a default ``PipelineTask`` (RTVIProcessor + RTVIObserver added, bot-ready sent on
client-ready), whose ``on_client_message`` handler answers ``ping`` with
``send_server_response(msg, {"pong": d})`` and anything else with an error-response.
The session ends (``task.cancel()``) when the client disconnects, as in Pipecat's
examples. ``IdleLLM`` stands in for rtvi_core's echo LLM: an ``LLMService`` that
never runs (the benchmark sends no user turns).

Run: ``python pipecat_server.py [--host H] [--port P] [--log-level L]``; prints
``listening on http://H:P`` on stderr once it accepts connections.
"""

from __future__ import annotations

import asyncio
import sys
import warnings
from pathlib import Path

from fastapi import WebSocket
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.runner import PipelineRunner
from pipecat.pipeline.task import PipelineParams, PipelineTask
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.serializers.protobuf import ProtobufFrameSerializer
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pipecat.turns.user_stop.speech_timeout_user_turn_stop_strategy import (
    SpeechTimeoutUserTurnStopStrategy,
)
from pipecat.turns.user_turn_strategies import UserTurnStrategies

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pipecat_app
from pipecat_app import IdleLLM

warnings.simplefilter("ignore", DeprecationWarning)  # PipelineTask/PipelineRunner aliases


async def run_bot(websocket: WebSocket) -> None:
    """One session: the pipeline above, until the client disconnects."""
    transport = FastAPIWebsocketTransport(
        websocket,
        FastAPIWebsocketParams(audio_in_enabled=False, audio_out_enabled=False, serializer=ProtobufFrameSerializer()),
    )
    # Speech-timeout turn stop instead of the default Smart Turn v3 model, which
    # each session would load (ONNX, ~1.5 s): rtvi_core's aggregator has no model.
    turns = UserTurnStrategies(stop=[SpeechTimeoutUserTurnStopStrategy()])
    aggregators = LLMContextAggregatorPair(
        LLMContext(), user_params=LLMUserAggregatorParams(user_turn_strategies=turns)
    )
    pipeline = Pipeline(
        [
            transport.input(),
            aggregators.user(),
            IdleLLM(),
            transport.output(),
            aggregators.assistant(),
        ]
    )
    task = PipelineTask(pipeline, params=PipelineParams())

    @task.rtvi.event_handler("on_client_message")
    async def on_client_message(rtvi, msg):
        if msg.type == "ping":
            await rtvi.send_server_response(msg, {"pong": msg.data})
        else:
            await rtvi.send_error_response(msg, f"Unknown client message type '{msg.type}'")

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client):
        await task.cancel()

    await PipelineRunner(handle_sigint=False).run(task)


def main() -> None:
    args = pipecat_app.parse_args(__doc__)
    asyncio.run(pipecat_app.serve(pipecat_app.websocket_app(run_bot), args.host, args.port))


if __name__ == "__main__":
    main()
