"""``run_bot``: a real pipeline on the in-memory transport, driven like a client would."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from ..builtins.echo_llm import EchoLLMService
from ..builtins.memory_transport import MemoryClient, MemoryTransport
from ..builtins.tone_tts import ToneTTSService
from ..llm_context import LLMContext
from ..params import PipelineParams
from ..pipeline import Pipeline
from ..processor import FrameProcessor
from ..rtvi.observer_params import RTVIObserverParams
from ..services.llm import LLMService
from ..services.llm_aggregators import LLMContextAggregatorPair
from ..services.transport_params import TransportParams
from ..task import PipelineTask
from .running import running

_ids = itertools.count(1)


@dataclass
class BotHarness:
    """A running bot: its task, the in-memory client, and its main parts."""

    task: PipelineTask
    client: MemoryClient
    transport: MemoryTransport
    llm: LLMService
    context: LLMContext
    processors: list[FrameProcessor] = field(default_factory=list)

    async def request(self, msg_type: str, data: Any = None, *, msg_id: str | None = None) -> str:
        """Send an RTVI message (``data`` omitted when None); returns its id."""
        msg_id = msg_id or f"m{next(_ids)}"
        message: dict[str, Any] = {"label": "rtvi-ai", "type": msg_type, "id": msg_id}
        if data is not None:
            message["data"] = data
        await self.client.send_message(message)
        return msg_id

    async def ready(self, version: str = "2.1.0") -> dict[str, Any]:
        """Do the ``client-ready`` → ``bot-ready`` handshake; returns ``bot-ready``."""
        msg_id = await self.request("client-ready", {"version": version, "about": {"library": "rtvi-core-tests"}})
        return await self.client.wait_for_message("bot-ready", predicate=lambda msg: msg.get("id") == msg_id)

    async def reply_to(self, msg_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for the ``server-response``/``error-response`` answering ``msg_id``."""
        replies = ("server-response", "error-response")

        def find() -> dict[str, Any] | None:
            message: dict[str, Any]  # the client's messages are JSON objects
            for message in self.client.messages:
                if message.get("type") in replies and message.get("id") == msg_id:
                    return message
            return None

        return await self.client.wait_for(find, timeout)


@asynccontextmanager
async def run_bot(
    *,
    llm: LLMService | None = None,
    tts: FrameProcessor | None = None,
    with_tts: bool = True,
    extra: Sequence[FrameProcessor] = (),
    params: PipelineParams | None = None,
    observer_params: RTVIObserverParams | None = None,
    transport_params: TransportParams | None = None,
    context: LLMContext | None = None,
) -> AsyncIterator[BotHarness]:
    """Run a bot (memory transport → user aggregator → LLM → TTS → output) for a test.

    ``extra`` processors go between the user aggregator and the LLM. The default
    LLM is the echo LLM, the default TTS the tone TTS (``with_tts=False``: text only).
    The task is cancelled when the block exits.
    """
    transport = MemoryTransport(
        params=transport_params
        or TransportParams(audio_in_enabled=True, audio_out_enabled=True, audio_out_realtime=False)
    )
    context = context or LLMContext()
    aggregators = LLMContextAggregatorPair(context)
    llm = llm or EchoLLMService()
    chain: list[FrameProcessor] = [transport.input(), aggregators.user(), *extra, llm]
    if with_tts:
        chain.append(tts or ToneTTSService())
    chain += [transport.output(), aggregators.assistant()]
    task = PipelineTask(Pipeline(chain), params=params, rtvi_observer_params=observer_params)
    async with running(task):
        await transport.client.connect()
        yield BotHarness(task, transport.client, transport, llm, context, chain)
