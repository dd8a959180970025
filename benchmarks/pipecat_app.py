"""What the Pipecat 1.14 servers of the benchmarks share (``ws/`` and ``webrtc/pipecat_server.py``,
run in ``.venv-pipecat``): the idle LLM standing in for rtvi_core's echo LLM, their command
line, and serving a FastAPI app with uvicorn's defaults, as Pipecat's runner does."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import socket
import sys
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from loguru import logger
from pipecat.services.llm_service import LLMService
from pipecat.services.settings import LLMSettings


class IdleLLM(LLMService):
    """An LLM service that passes every frame on: it is never asked for a completion
    (the benchmarks send no user turn). Pipecat LLM services forward what they do
    not handle themselves; the base class does not."""

    def __init__(self) -> None:
        fields = dataclasses.fields(LLMSettings)
        super().__init__(settings=LLMSettings(**{f.name: None for f in fields if f.name != "extra"}))

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


def parse_args(doc: str, extra: list[tuple[str, type]] = ()) -> argparse.Namespace:
    """``--host``, ``--port``, ``--log-level`` (loguru on stderr, set up here) and the
    ``extra`` required options (name, type) of one server."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    for name, kind in extra:
        parser.add_argument(name, type=kind, required=True)
    parser.add_argument(
        "--log-level", default="DEBUG", help="loguru level on stderr (DEBUG, as Pipecat's runner sets it)"
    )
    args = parser.parse_args()
    logger.remove()
    logger.add(sys.stderr, level=args.log_level)
    return args


def websocket_app(run_bot) -> Any:
    """A FastAPI app as Pipecat's runner serves a WebSocket bot: ``POST /start`` ->
    ``{"wsUrl"}``, ``GET /health`` -> ``{"status", "sessions"}``, and ``/ws`` running
    ``await run_bot(websocket)`` per accepted connection."""
    app = FastAPI()
    sessions: set[asyncio.Task] = set()

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

    return app


async def serve(app, host: str, port: int) -> None:
    """Serve ``app`` until SIGINT/SIGTERM (uvicorn's own handlers); announce the bound port."""
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
