"""The seed bot, written as Pipecat users write one, run end to end with the echo LLM.

client-ready → bot-ready (same id); send-text → the spec §17.4 sequence; disconnect-bot
→ the pipeline ends after the output is flushed and the connection closes.
"""

from __future__ import annotations

import anyio
import pytest

from rtvi_core import (
    LLMRunFrame,
    Pipeline,
    PipelineParams,
    PipelineRunner,
    PipelineTask,
    RTVIObserverParams,
    RTVIProcessor,
)
from rtvi_core.builtins.echo_llm import EchoLLMService
from rtvi_core.builtins.memory_transport import MemoryTransport
from rtvi_core.builtins.tone_tts import ToneTTSService
from rtvi_core.services.llm_aggregators import LLMContextAggregatorPair
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.services.transport_params import TransportParams

pytestmark = pytest.mark.anyio


def build_seed_bot(**task_kwargs):
    transport = MemoryTransport(
        params=TransportParams(audio_in_enabled=True, audio_out_enabled=True, audio_out_realtime=False)
    )
    context = LLMContext([{"role": "system", "content": "You are a helpful assistant."}])
    context_aggregator = LLMContextAggregatorPair(context)
    llm = EchoLLMService()
    tts = ToneTTSService()
    pipeline = Pipeline(
        [
            transport.input(),
            context_aggregator.user(),
            llm,
            tts,
            transport.output(),
            context_aggregator.assistant(),
        ]
    )
    task = PipelineTask(
        pipeline,
        params=PipelineParams(enable_metrics=True, enable_usage_metrics=True),
        **task_kwargs,
    )
    return transport, task


def types_between(messages, start, end_type):
    """Message types from index ``start`` up to and including the first ``end_type``."""
    types = []
    for message in messages[start:]:
        types.append(message["type"])
        if message["type"] == end_type:
            break
    return types


async def test_seed_bot_end_to_end():
    transport, task = build_seed_bot()
    greeted = anyio.Event()

    @task.rtvi.event_handler("on_client_ready")
    async def on_client_ready(rtvi):
        await task.queue_frames([LLMRunFrame()])
        greeted.set()

    client = transport.client
    async with anyio.create_task_group() as group:
        group.start_soon(PipelineRunner(handle_sigint=False).run, task)
        await client.connect()

        # metrics at start (all zero) may precede bot-ready, as in Pipecat
        await client.send_message(
            {
                "label": "rtvi-ai",
                "type": "client-ready",
                "id": "c0ffee01",
                "data": {"version": "2.1.0", "about": {"library": "@pipecat-ai/client-js"}},
            }
        )
        ready = await client.wait_for_message("bot-ready")
        assert ready["id"] == "c0ffee01" and ready["data"]["version"] == "2.2.0"
        initial = client.messages_of("metrics")[0]["data"]
        assert {entry["value"] for entry in initial["ttfb"] + initial["processing"]} == {0.0}

        # the greeting turn triggered by the on_client_ready handler
        with anyio.fail_after(5):
            await greeted.wait()
        await client.wait_for_message("bot-stopped-speaking")

        # send-text → spec §17.4
        start = len(client.messages)
        await client.send_message(
            {
                "label": "rtvi-ai",
                "type": "send-text",
                "id": "s1",
                "data": {"content": "What's the weather?", "options": {}},
            }
        )
        await client.wait_for(lambda: True if client.messages_of("bot-stopped-speaking")[1:] else None, timeout=10)
        await client.wait_for(lambda: True if len(client.messages_of("bot-llm-stopped")) >= 2 else None)
        turn = [m["type"] for m in client.messages[start:] if m["type"] != "metrics"]
        assert turn[:3] == ["bot-interrupted", "user-input", "user-llm-text"]  # user-input: protocol 2.2.0
        assert client.messages[start:][[m["type"] for m in client.messages[start:]].index("user-llm-text")]["data"] == {
            "text": "What's the weather?"
        }
        order = [
            "bot-llm-started",
            "bot-tts-started",
            "bot-started-speaking",
            "bot-output",
            "bot-tts-text",
            "bot-tts-stopped",
            "bot-stopped-speaking",
        ]
        positions = [turn.index(kind) for kind in order]
        assert positions == sorted(positions), turn
        assert turn.index("bot-llm-started") < turn.index("bot-llm-text") < turn.index("bot-llm-stopped")
        spoken = "".join(m["data"]["text"] for m in client.messages[start:] if m["type"] == "bot-llm-text")
        assert "What's the weather?" in spoken
        # audio was written between bot-started-speaking and bot-stopped-speaking
        kinds = [kind for kind, _ in client.events]
        assert "audio" in kinds
        assert not [m for m in client.messages if m.get("id") == "s1"]

        # disconnect-bot → graceful end, connection closed, runner returns
        await client.send_message({"label": "rtvi-ai", "type": "disconnect-bot", "id": "d1", "data": {}})
        await client.wait_closed(timeout=10)
    assert task.has_finished()


async def test_custom_rtvi_processor_and_observer_params():
    rtvi = RTVIProcessor()
    transport, task = build_seed_bot(
        rtvi_processor=rtvi, rtvi_observer_params=RTVIObserverParams(bot_llm_enabled=False)
    )
    assert task.rtvi is rtvi
    client = transport.client
    async with anyio.create_task_group() as group:
        group.start_soon(PipelineRunner(handle_sigint=False).run, task)
        await client.connect()
        await client.send_message(
            {
                "label": "rtvi-ai",
                "type": "client-ready",
                "id": "r",
                "data": {"version": "2.1.0", "about": {"library": "x"}},
            }
        )
        await client.wait_for_message("bot-ready")
        await client.send_message({"label": "rtvi-ai", "type": "send-text", "id": "s", "data": {"content": "hi"}})
        await client.wait_for_message("bot-stopped-speaking")
        assert not [m for m in client.messages if m["type"].startswith("bot-llm")]
        await task.cancel()


async def test_without_rtvi_nothing_is_sent():
    transport, task = build_seed_bot(enable_rtvi=False)
    client = transport.client
    async with anyio.create_task_group() as group:
        group.start_soon(PipelineRunner(handle_sigint=False).run, task)
        await client.connect()
        await client.send_message({"label": "rtvi-ai", "type": "client-ready", "id": "r", "data": {"version": "2.1.0"}})
        await task.queue_frames([LLMRunFrame()])
        await client.wait_for(lambda: True if client.audio else None)  # the bot still speaks
        assert client.messages == []
        await task.cancel()
