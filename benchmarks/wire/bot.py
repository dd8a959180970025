"""The bot of the wire side-by-side: one script, served by Pipecat 1.14 or by rtvi_core.

``python bot.py --framework pipecat|rtvi_core [--port P]`` serves, on 127.0.0.1, a
WebSocket at ``/ws`` (binary protobuf frames, the stock websocket-transport's wire
format) with one pipeline per connection::

    transport.input() -> user aggregator -> ScriptedLLM -> ToneTTS -> transport.output()
      -> assistant aggregator

in a default ``PipelineTask`` (RTVI processor and observer added, ``bot-ready`` sent on
``client-ready``), transport audio in and out on, video off, metrics off, every tool call
reported at level ``full`` and the raw-text messages of protocol 2.2.0 switched on
(``stt``/``llm``/``tts_raw_text_enabled``). The task answers ``client-message`` ``ping`` with
``server-response`` ``{"pong": d}`` and anything else with an ``error-response``.

The LLM is scripted (:func:`script`): a user message mentioning the weather gets a call
of the ``get_weather`` tool, whose result gets one sentence; anything else is echoed.
The TTS speaks 80 ms of tone per word, one sentence at a time, without word timestamps.
Only the framework block below differs between the two frameworks: the same reply
script, tool, audio and handlers run on both. It prints ``listening on
http://HOST:PORT`` on stderr once it accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import struct
import sys
import warnings
from typing import Any

FRAMEWORKS = ("pipecat", "rtvi_core")


def _framework() -> str:
    for i, arg in enumerate(sys.argv):
        if arg == "--framework" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if arg.startswith("--framework="):
            return arg.split("=", 1)[1]
    sys.exit(f"--framework {'|'.join(FRAMEWORKS)} is required")


FRAMEWORK = _framework()
warnings.simplefilter("ignore", DeprecationWarning)  # Pipecat's PipelineTask/PipelineRunner aliases

SAMPLE_RATE = 24000
WORD_SECS = 0.08
TOOL_CALL_ID = "call_weather_1"

# --------------------------------------------------------------------------- the script
# Framework-agnostic: what the LLM answers, the tool, the audio.


def script(messages: list[dict[str, Any]]) -> list[Any]:
    """The LLM's reply to ``messages``: text chunks, or one ``(name, id, arguments)`` tool call."""
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        return ["It is ", "sunny ", "in Paris."]
    text = last.get("content") if last.get("role") == "user" else ""
    if not isinstance(text, str):
        text = " ".join(part.get("text", "") for part in text or [] if isinstance(part, dict))
    if "weather" in text.lower():
        return [("get_weather", TOOL_CALL_ID, {"city": "Paris"})]
    return ["You ", "said: ", f"{text.strip()}."]


async def get_weather(params: Any) -> None:
    """The ``get_weather`` tool, server-side."""
    await params.result_callback({"forecast": "sunny", "city": params.arguments.get("city")})


def speech(text: str) -> bytes:
    """Mono s16le audio for ``text``: a quiet 440 Hz tone of ``WORD_SECS`` per word."""
    count = int(WORD_SECS * SAMPLE_RATE) * max(1, len(text.split()))
    step = 2 * math.pi * 440 / SAMPLE_RATE
    return struct.pack(f"<{count}h", *(int(3000 * math.sin(step * i)) for i in range(count)))


async def on_client_message(rtvi: Any, msg: Any) -> None:
    """``ping`` -> ``{"pong": d}``; anything else -> an error-response."""
    if msg.type == "ping":
        await rtvi.send_server_response(msg, {"pong": msg.data})
    else:
        await rtvi.send_error_response(msg, f"Unknown client message type '{msg.type}'")


# --------------------------------------------------------------------------- frameworks

if FRAMEWORK == "pipecat":
    import dataclasses
    import socket

    from fastapi import FastAPI, WebSocket
    from loguru import logger
    from pipecat.frames.frames import (
        FunctionCallFromLLM,
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
    from pipecat.processors.aggregators.llm_response_universal import (
        LLMContextAggregatorPair,
        LLMUserAggregatorParams,
    )
    from pipecat.processors.frameworks.rtvi import RTVIObserverParams
    from pipecat.processors.frameworks.rtvi.observer import RTVIFunctionCallReportLevel
    from pipecat.serializers.protobuf import ProtobufFrameSerializer
    from pipecat.services.llm_service import LLMService
    from pipecat.services.settings import LLMSettings, TTSSettings
    from pipecat.services.tts_service import TTSService
    from pipecat.transports.websocket.fastapi import (
        FastAPIWebsocketParams,
        FastAPIWebsocketTransport,
    )
    from pipecat.turns.user_stop.speech_timeout_user_turn_stop_strategy import (
        SpeechTimeoutUserTurnStopStrategy,
    )
    from pipecat.turns.user_turn_strategies import UserTurnStrategies

    FULL = RTVIFunctionCallReportLevel.FULL

    def _unset(settings_cls: type) -> Any:
        fields = dataclasses.fields(settings_cls)
        return settings_cls(**{f.name: None for f in fields if f.name != "extra"})

    class ScriptedLLM(LLMService):
        """Pipecat's LLM services run an inference per context frame and push its frames."""

        def __init__(self) -> None:
            super().__init__(settings=_unset(LLMSettings))

        async def process_frame(self, frame, direction):
            await super().process_frame(frame, direction)
            if not isinstance(frame, LLMContextFrame):
                await self.push_frame(frame, direction)
                return
            await self.push_frame(LLMFullResponseStartFrame())
            calls = []
            for item in script(frame.context.get_messages()):
                if isinstance(item, str):
                    await self.push_frame(LLMTextFrame(item))
                else:
                    name, call_id, arguments = item
                    calls.append(FunctionCallFromLLM(name, call_id, arguments, frame.context))
            await self.run_function_calls(calls)
            await self.push_frame(LLMFullResponseEndFrame())

    class ToneTTS(TTSService):
        """A sentence-at-a-time TTS of tones (Pipecat pushes the spoken text itself)."""

        def __init__(self) -> None:
            super().__init__(
                push_start_frame=True,
                push_stop_frames=True,
                sample_rate=SAMPLE_RATE,
                settings=_unset(TTSSettings),
            )

        async def run_tts(self, text: str, context_id: str):
            yield TTSAudioRawFrame(speech(text), SAMPLE_RATE, 1, context_id=context_id)

    def make_aggregators(context: Any) -> Any:
        # Speech-timeout turn stop, not the Smart Turn model (the bot gets no speech).
        turns = UserTurnStrategies(stop=[SpeechTimeoutUserTurnStopStrategy()])
        return LLMContextAggregatorPair(context, user_params=LLMUserAggregatorParams(user_turn_strategies=turns))

else:
    from rtvi_websocket.transport import WebSocketTransport

    from rtvi_core import (
        FunctionCallFromLLM,
        FunctionCallReportLevel,
        LLMContext,
        LLMContextAggregatorPair,
        Pipeline,
        PipelineParams,
        PipelineTask,
        RTVIObserverParams,
    )
    from rtvi_core.config.builder import BotSession
    from rtvi_core.config.loader import load_bot_text
    from rtvi_core.server.bot_server import bot_server
    from rtvi_core.services.llm import LLMService
    from rtvi_core.services.tts import TTSService
    from rtvi_core.serving import SessionFactory

    FULL = FunctionCallReportLevel.FULL

    class ScriptedLLM(LLMService):
        """rtvi_core's LLM services yield an inference's text and tool calls."""

        async def generate(self, context):
            for item in script(context.get_messages()):
                yield item if isinstance(item, str) else FunctionCallFromLLM(*item)

    class ToneTTS(TTSService):
        """A sentence-at-a-time TTS of tones (rtvi_core's TTS base frames the audio)."""

        def __init__(self) -> None:
            super().__init__(sample_rate=SAMPLE_RATE)

        async def run_tts(self, text: str, context_id: str):
            yield speech(text)

    def make_aggregators(context: Any) -> Any:
        return LLMContextAggregatorPair(context)


# --------------------------------------------------------------------------- the pipeline


def build_task(transport: Any) -> tuple[Any, Any, Any]:
    """The session's task, LLM and context: the same code on both frameworks."""
    llm = ScriptedLLM()
    llm.register_function("get_weather", get_weather)
    context = LLMContext()
    aggregators = make_aggregators(context)
    pipeline = Pipeline(
        [
            transport.input(),
            aggregators.user(),
            llm,
            ToneTTS(),
            transport.output(),
            aggregators.assistant(),
        ]
    )
    task = PipelineTask(
        pipeline,
        params=PipelineParams(enable_metrics=False),
        rtvi_observer_params=RTVIObserverParams(
            function_call_report_level={"*": FULL},
            stt_raw_text_enabled=True,
            llm_raw_text_enabled=True,
            tts_raw_text_enabled=True,
        ),
    )
    task.rtvi.add_event_handler("on_client_message", on_client_message)
    return task, llm, context


# --------------------------------------------------------------------------- serving

if FRAMEWORK == "pipecat":
    app = FastAPI()

    @app.websocket("/ws")
    async def websocket_endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        transport = FastAPIWebsocketTransport(
            websocket,
            FastAPIWebsocketParams(audio_in_enabled=True, audio_out_enabled=True, serializer=ProtobufFrameSerializer()),
        )
        task, _, _ = build_task(transport)

        @transport.event_handler("on_client_disconnected")
        async def on_client_disconnected(transport, client):
            await task.cancel()

        await PipelineRunner(handle_sigint=False).run(task)

    async def serve(port: int) -> None:
        import uvicorn

        logger.remove()
        logger.add(sys.stderr, level="WARNING")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)
        if server.started:
            print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", file=sys.stderr, flush=True)
        await serving

else:
    # Only the server's settings are read from it: sessions come from build_task().
    _BOT_FILE = """
[bot]
name = "wire-parity"
[transport]
use = "websocket"
audio_in_enabled = true
audio_out_enabled = true
[llm]
use = "echo"
"""

    class Sessions(SessionFactory):
        """One session per connection, built by :func:`build_task` (not from the bot file)."""

        def create(self, transport: str | None = None) -> BotSession:
            client = WebSocketTransport.from_config(self.config.transport.config)
            task, llm, context = build_task(client)
            return BotSession(self.config, task, client, llm, context)

    async def serve(port: int) -> None:
        sessions = Sessions(load_bot_text(_BOT_FILE, file="wire-parity.toml"))
        server = bot_server(sessions, host="127.0.0.1", port=port)

        def listening(host: str, bound: int) -> None:
            print(f"listening on http://{host}:{bound}", file=sys.stderr, flush=True)

        await server.serve(on_listening=listening)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=FRAMEWORKS, required=True)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args()
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
