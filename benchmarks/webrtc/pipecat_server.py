"""The Pipecat 1.14 side of the ``webrtc_sessions`` benchmark: a SmallWebRTC bot server.

What Pipecat's own runner (``pipecat.runner.run``, ``_setup_webrtc_routes``) does for
its SmallWebRTC transport, reduced to the routes the benchmark uses: a FastAPI app
served by ``uvicorn`` with its defaults, one ``SmallWebRTCRequestHandler`` (multiple
connections), ``POST /start`` -> ``{"sessionId"}``, ``POST``/``PATCH
/sessions/{id}/api/offer`` (the runner's Pipecat Cloud-style proxy: offer -> answer with
``pc_id``, trickled candidates), ``GET /health`` -> ``{"status", "sessions",
"peer_connections"}``. Each new peer connection runs one pipeline::

    SmallWebRTCTransport(audio in and out on, video off)
    transport.input() -> AudioEcho -> user aggregator -> IdleLLM -> transport.output() -> assistant aggregator
                                      (speech-timeout turn stop, not Smart Turn)

in a default ``PipelineTask`` (RTVIProcessor + RTVIObserver, bot-ready on client-ready),
cancelled when the client disconnects, as in Pipecat's examples. ``AudioEcho``
(``echo.py``) is the same code rtvi_core's side runs; ``IdleLLM`` stands in for
rtvi_core's idle echo LLM (``benchmarks/pipecat_app.py``).

**Loopback only.** aioice (under aiortc) leaves 127.0.0.1 out of its host candidates
and gathers on every other interface; rtvi-webrtc, listening on 127.0.0.1, gathers on
127.0.0.1 only (``rtvi_webrtc.ice``). So that both servers use the same candidates and
all media stays on loopback, this script replaces ``aioice.ice.get_host_addresses`` (a
module global aioice looks up at each gathering) with one returning ``["127.0.0.1"]``
when ``--host`` is a loopback address. Pipecat itself has no such option.

Run: ``python pipecat_server.py [--host H] [--port P] [--log-level L]``; prints
``listening on http://H:P`` on stderr once it accepts connections.
"""

from __future__ import annotations

import asyncio
import ipaddress
import sys
import uuid
import warnings
from pathlib import Path
from typing import Any

import aioice.ice
from fastapi import FastAPI, Request, Response
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.runner import PipelineRunner
from pipecat.pipeline.task import PipelineParams, PipelineTask
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.transports.base_transport import TransportParams
from pipecat.transports.smallwebrtc.connection import SmallWebRTCConnection
from pipecat.transports.smallwebrtc.request_handler import (
    IceCandidate,
    SmallWebRTCPatchRequest,
    SmallWebRTCRequest,
    SmallWebRTCRequestHandler,
)
from pipecat.transports.smallwebrtc.transport import SmallWebRTCTransport
from pipecat.turns.user_stop.speech_timeout_user_turn_stop_strategy import (
    SpeechTimeoutUserTurnStopStrategy,
)
from pipecat.turns.user_turn_strategies import UserTurnStrategies

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import pipecat_app  # noqa: E402
from echo import AudioEcho  # noqa: E402
from pipecat_app import IdleLLM  # noqa: E402

warnings.simplefilter("ignore", DeprecationWarning)  # PipelineTask/PipelineRunner aliases

app = FastAPI()
handler = SmallWebRTCRequestHandler()
started: dict[str, Any] = {}  # session id -> the /start body, as the runner keeps it
sessions: set[asyncio.Task] = set()


def gather_on_loopback_only() -> None:
    """aioice: host candidates on 127.0.0.1 only (it leaves loopback out by default)."""

    def loopback(use_ipv4: bool = True, use_ipv6: bool = True) -> list[str]:
        return ["127.0.0.1"] if use_ipv4 else []

    aioice.ice.get_host_addresses = loopback


async def run_bot(connection: SmallWebRTCConnection) -> None:
    """One session: the pipeline above, until the client disconnects."""
    transport = SmallWebRTCTransport(
        webrtc_connection=connection,
        params=TransportParams(audio_in_enabled=True, audio_out_enabled=True),
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
            AudioEcho(),
            aggregators.user(),
            IdleLLM(),
            transport.output(),
            aggregators.assistant(),
        ]
    )
    task = PipelineTask(pipeline, params=PipelineParams())

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client):
        await task.cancel()

    await PipelineRunner(handle_sigint=False).run(task)


def _spawn(connection: SmallWebRTCConnection) -> None:
    task = asyncio.get_running_loop().create_task(run_bot(connection))
    sessions.add(task)
    task.add_done_callback(sessions.discard)


@app.post("/start")
async def start(request: Request) -> dict:
    body = await request.body()
    session_id = str(uuid.uuid4())
    started[session_id] = body
    return {"sessionId": session_id}


@app.api_route("/sessions/{session_id}/api/offer", methods=["POST", "PATCH"])
async def session_offer(session_id: str, request: Request) -> Any:
    """The runner's proxy route, for the offer and trickled candidates."""
    if session_id not in started:
        return Response(content="Invalid or not-yet-ready session_id", status_code=404)
    data = await request.json()
    if request.method == "POST":
        offer = SmallWebRTCRequest(
            sdp=data["sdp"],
            type=data["type"],
            pc_id=data.get("pc_id"),
            restart_pc=data.get("restart_pc"),
            request_data=data.get("request_data") or data.get("requestData"),
        )

        async def connected(connection: SmallWebRTCConnection) -> None:
            _spawn(connection)

        return await handler.handle_web_request(request=offer, webrtc_connection_callback=connected)
    patch = SmallWebRTCPatchRequest(
        pc_id=data["pc_id"], candidates=[IceCandidate(**c) for c in data.get("candidates", [])]
    )
    await handler.handle_patch_request(patch)
    return {"status": "success"}


@app.get("/health")
async def health() -> dict:
    return {"status": "ok", "sessions": len(sessions), "peer_connections": len(handler._pcs_map)}


async def serve(host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM, then close the peer connections."""
    try:
        await pipecat_app.serve(app, host, port)
    finally:
        await handler.close()


def main() -> None:
    args = pipecat_app.parse_args(__doc__)
    if ipaddress.ip_address(args.host).is_loopback:
        gather_on_loopback_only()
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
