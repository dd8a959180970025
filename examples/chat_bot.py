"""A text chat in the terminal: the built-in echo LLM over the in-memory transport.

Written the way a Pipecat bot is written, with rtvi_core imports. The terminal plays
the client: it sends RTVI ``client-ready`` and ``send-text`` messages and prints the
bot's RTVI events (``--events`` prints every message as JSON).

    python examples/chat_bot.py [--events]
"""

from __future__ import annotations

import json
import sys

import anyio

from rtvi_core import (
    LLMRunFrame,
    Pipeline,
    PipelineParams,
    PipelineRunner,
    PipelineTask,
)
from rtvi_core.builtins.echo_llm import EchoLLMService
from rtvi_core.builtins.memory_transport import MemoryClient, MemoryTransport
from rtvi_core.services.llm_aggregators import LLMContextAggregatorPair
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.services.transport_params import TransportParams


async def show_bot(client: MemoryClient, show_events: bool) -> None:
    """Print the bot's words as they stream in (and every event with ``--events``)."""
    seen = 0
    while True:
        await client.wait_for(lambda: True if len(client.messages) > seen or client.closed else None, timeout=1e9)  # noqa: B023 (used at once)
        if client.closed and len(client.messages) == seen:
            return
        message = client.messages[seen]
        seen += 1
        if show_events:
            print(f"\n  <- {json.dumps(message)}", flush=True)
        kind = message.get("type")
        if kind == "bot-llm-started":
            print("bot> ", end="", flush=True)
        elif kind == "bot-llm-text":
            print(message["data"]["text"], end="", flush=True)
        elif kind == "bot-llm-stopped":
            print("\nyou> ", end="", flush=True)
        elif kind in ("error", "error-response"):
            print(f"\n[{kind}] {message['data']['error']}", flush=True)


async def chat(client: MemoryClient, task: PipelineTask) -> None:
    """Read lines from the terminal and send them as RTVI ``send-text``."""
    await client.connect()
    await client.send_message(
        {
            "label": "rtvi-ai",
            "type": "client-ready",
            "id": "ready",
            "data": {"version": "2.1.0", "about": {"library": "terminal"}},
        }
    )
    number = 0
    while True:
        line = await anyio.to_thread.run_sync(sys.stdin.readline)
        if not line or line.strip() in ("/quit", "/exit"):
            await client.send_message({"label": "rtvi-ai", "type": "disconnect-bot", "id": "bye", "data": {}})
            return
        if line.strip():
            number += 1
            await client.send_message(
                {"label": "rtvi-ai", "type": "send-text", "id": f"t{number}", "data": {"content": line.strip()}}
            )


async def main() -> None:
    transport = MemoryTransport(params=TransportParams())
    context = LLMContext([{"role": "system", "content": "You are a friendly echo bot."}])
    aggregators = LLMContextAggregatorPair(context)
    llm = EchoLLMService(token_delay=0.04)

    pipeline = Pipeline([transport.input(), aggregators.user(), llm, transport.output(), aggregators.assistant()])
    task = PipelineTask(pipeline, params=PipelineParams(enable_metrics=True, enable_usage_metrics=True))

    @task.rtvi.event_handler("on_client_ready")
    async def on_client_ready(rtvi):
        await task.queue_frames([LLMRunFrame()])  # the bot greets first

    print("Chat with the echo bot. Type a message and press Enter; /quit (or Ctrl-D) ends.")
    async with anyio.create_task_group() as group:
        group.start_soon(show_bot, transport.client, "--events" in sys.argv)
        group.start_soon(chat, transport.client, task)
        await PipelineRunner().run(task)
        group.cancel_scope.cancel()
    print("\nBye.")


if __name__ == "__main__":
    anyio.run(main)
