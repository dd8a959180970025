"""Test support for the RTVI observer tests: a real task on the memory transport.

The pipeline is ``[RTVIProcessor] → memory input → (extra processors) → memory
output``; frames are queued at its head, and the memory client records the RTVI
messages exactly as a client would receive them (encoded, then JSON-decoded).
"""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from rtvi_core.builtins.memory_transport import MemoryClient, MemoryTransport
from rtvi_core.direction import FrameDirection
from rtvi_core.frames import DataFrame, Frame, OutputTransportMessageFrame, TTSAudioRawFrame
from rtvi_core.params import PipelineParams
from rtvi_core.pipeline import Pipeline
from rtvi_core.processor import FrameProcessor
from rtvi_core.rtvi.observer_params import RTVIObserverParams
from rtvi_core.services.transport_params import TransportParams
from rtvi_core.task import PipelineTask
from rtvi_core.testing import running

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM

_sync_ids = itertools.count(1)


@dataclass(eq=False)
class Emit(DataFrame):
    """Asks an :class:`Emitter` to push ``frames`` (``(frame, direction)`` pairs)."""

    frames: list[tuple[Frame, FrameDirection]]


class Emitter(FrameProcessor):
    """Pushes the frames an :class:`Emit` carries, as if it produced them."""

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, Emit):
            for item, item_direction in frame.frames:
                await self.push_frame(item, item_direction)
        else:
            await self.push_frame(frame, direction)


def tone(secs: float = 0.04, sample_rate: int = 24000, amplitude: float = 0.5) -> bytes:
    """A 440 Hz sine as s16le mono PCM."""
    count = int(secs * sample_rate)
    peak = int(32767 * amplitude)
    return struct.pack(f"<{count}h", *(int(peak * math.sin(2 * math.pi * 440 * i / sample_rate)) for i in range(count)))


def audio(secs: float = 0.04) -> TTSAudioRawFrame:
    """Bot audio at the output rate."""
    return TTSAudioRawFrame(audio=tone(secs), sample_rate=24000, num_channels=1)


class Session:
    """A running task and its client."""

    def __init__(self, task: PipelineTask, client: MemoryClient) -> None:
        self.task = task
        self.client = client

    async def queue(self, *frames: Frame) -> None:
        """Queue frames at the head of the pipeline."""
        await self.task.queue_frames(frames)

    async def sync(self) -> None:
        """Wait until everything queued so far has gone through the output transport."""
        marker = next(_sync_ids)
        await self.task.queue_frame(OutputTransportMessageFrame(message={"type": "sync", "n": marker}))
        await self.client.wait_for_message("sync", predicate=lambda msg: msg["n"] == marker)

    async def ready(self, version: str) -> None:
        """Do the client-ready handshake announcing ``version``."""
        await self.client.send_message(
            {"label": "rtvi-ai", "type": "client-ready", "id": "ready", "data": {"version": version}}
        )
        await self.client.wait_for_message("bot-ready")

    async def wait_for(self, msg_type: str, **fields: Any) -> dict[str, Any]:
        """The first message of ``msg_type`` whose ``data`` has the given field values."""
        return await self.client.wait_for_message(
            msg_type,
            timeout=2.0,
            predicate=lambda msg: all(msg.get("data", {}).get(k) == v for k, v in fields.items()),
        )

    def events(self, *types: str) -> list[dict[str, Any]]:
        """Received RTVI events (no handshake, no sync markers), optionally of ``types``."""
        skip = {"sync", "bot-ready", "metrics"} if not types else set()
        return [
            msg
            for msg in self.client.messages
            if msg.get("label") == "rtvi-ai" and msg["type"] not in skip and (not types or msg["type"] in types)
        ]

    def types(self, *types: str) -> list[str]:
        """The types of :meth:`events`."""
        return [msg["type"] for msg in self.events(*types)]


@asynccontextmanager
async def observed(
    observer_params: RTVIObserverParams | None = None,
    *,
    processors: Sequence[FrameProcessor] = (),
    params: PipelineParams | None = None,
    realtime: bool = False,
) -> AsyncIterator[Session]:
    """Run ``[RTVI] → input → processors → output`` and yield its :class:`Session`."""
    transport = MemoryTransport(
        TransportParams(audio_out_enabled=True, audio_out_realtime=realtime, bot_silence_timeout_secs=5.0)
    )
    pipeline = Pipeline([transport.input(), *processors, transport.output()])
    task = PipelineTask(pipeline, params=params, rtvi_observer_params=observer_params)
    async with running(task):
        await transport.client.connect()
        yield Session(task, transport.client)
