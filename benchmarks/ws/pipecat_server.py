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

import argparse
import asyncio
import dataclasses
import socket
import sys
import warnings

from fastapi import FastAPI, Request, WebSocket
from loguru import logger
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.runner import PipelineRunner
from pipecat.pipeline.task import PipelineParams, PipelineTask
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.serializers.protobuf import ProtobufFrameSerializer
from pipecat.services.llm_service import LLMService
from pipecat.services.settings import LLMSettings
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pipecat.turns.user_stop.speech_timeout_user_turn_stop_strategy import (
    SpeechTimeoutUserTurnStopStrategy,
)
from pipecat.turns.user_turn_strategies import UserTurnStrategies

warnings.simplefilter("ignore", DeprecationWarning)  # PipelineTask/PipelineRunner aliases

app = FastAPI()
sessions: set[asyncio.Task] = set()


class IdleLLM(LLMService):
    """An LLM service that passes every frame on: it is never asked for a completion
    (the benchmark sends no user turn). Pipecat LLM services forward what they do
    not handle themselves; the base class does not."""

    def __init__(self) -> None:
        fields = dataclasses.fields(LLMSettings)
        super().__init__(settings=LLMSettings(**{f.name: None for f in fields if f.name != "extra"}))

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


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


@app.post("/start")
async def start(request: Request) -> dict:
    await request.body()  # the stock client may send requestData as JSON
    return {"wsUrl": f"ws://{request.headers['host']}/ws"}


@app.get("/health")
async def health() -> dict:
    return {"status": "ok", "sessions": len(sessions)}


@app.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    sessions.add(asyncio.current_task())
    try:
        await run_bot(websocket)
    finally:
        sessions.discard(asyncio.current_task())


async def serve(host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn's own handlers); announce the bound port."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)
    if server.started:
        bound_host, bound_port = sock.getsockname()[:2]
        print(f"listening on http://{bound_host}:{bound_port}", file=sys.stderr, flush=True)
    await serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument(
        "--log-level", default="DEBUG", help="loguru level on stderr (DEBUG, as Pipecat's runner sets it)"
    )
    args = parser.parse_args()
    logger.remove()
    logger.add(sys.stderr, level=args.log_level)
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
