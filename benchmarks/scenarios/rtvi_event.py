"""Scenario 2: CPU cost of one RTVI event, from LLM token to JSON bytes.

A ``PipelineTask`` (RTVI on, as by default) runs ``Pipeline([PassThrough] * P +
[Sink])``. We queue LLM responses (``LLMFullResponseStartFrame``, T
``LLMTextFrame`` tokens, ``LLMFullResponseEndFrame``). The task's RTVI observer
turns them into ``bot-llm-*`` messages, pushed by the RTVIProcessor as
``OutputTransportMessageUrgentFrame`` frames that travel down the pipeline;
the sink encodes each one to JSON bytes the way the framework's WebSocket
serializer would. CPU time (``time.process_time``) from the first push until
the sink has seen every token and every ``bot-llm-text`` message, divided by
the number of RTVI messages the sink saw, is the per-event cost.

Only the import block (and the framework's own JSON encoder) differs.
"""

from __future__ import annotations

import asyncio
import time

import _common

FRAMEWORK = _common.framework_from_argv()
_common.prepare(FRAMEWORK)

if FRAMEWORK == "pipecat":
    import json

    from pipecat.frames.frames import (
        EndFrame,
        LLMFullResponseEndFrame,
        LLMFullResponseStartFrame,
        LLMTextFrame,
        OutputTransportMessageUrgentFrame,
        StartFrame,
    )
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.runner import PipelineRunner
    from pipecat.pipeline.task import PipelineParams, PipelineTask
    from pipecat.processors.frame_processor import FrameProcessor

    def encode_message(message) -> bytes:
        # What pipecat/serializers/protobuf.py does with a transport message.
        return json.dumps(message).encode("utf-8")

else:
    import msgspec

    from rtvi_core import (
        EndFrame,
        FrameProcessor,
        LLMFullResponseEndFrame,
        LLMFullResponseStartFrame,
        LLMTextFrame,
        OutputTransportMessageUrgentFrame,
        Pipeline,
        PipelineParams,
        PipelineRunner,
        PipelineTask,
        StartFrame,
    )
    from rtvi_core.rtvi.messages import encode as _encode_struct

    _json_encode = msgspec.json.encode

    def encode_message(message) -> bytes:
        if isinstance(message, msgspec.Struct):
            return _encode_struct(message)
        return _json_encode(message)


# ----------------------------------------------------------------------------
# Everything below is framework-agnostic.

TIMEOUT = 300.0
LLM_FRAMES = (LLMFullResponseStartFrame, LLMTextFrame, LLMFullResponseEndFrame)
# A streamed sentence, token by token (10 tokens, ends a sentence).
SENTENCE = ["Hello", " there", ",", " this", " is", " a", " streamed", " answer", " token", "."]


def message_type(message):
    """The RTVI ``type`` of a message: a dict (Pipecat) or a tagged Struct."""
    if isinstance(message, dict):
        return message.get("type")
    kind = getattr(message, "type", None)
    if kind is None:  # msgspec Struct whose tag_field is "type"
        kind = getattr(getattr(type(message), "__struct_config__", None), "tag", None)
    return kind


class PassThrough(FrameProcessor):
    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


class Sink(FrameProcessor):
    """Encodes transport messages to JSON bytes; swallows LLM frames."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.start_seen = asyncio.Event()
        self.changed = asyncio.Event()
        self.tokens = 0
        self.llm_frames = 0
        self.messages = 0
        self.bytes_out = 0
        self.types: dict[str, int] = {}
        self.last_seen = 0.0
        self.sample: bytes | None = None

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, OutputTransportMessageUrgentFrame):
            payload = encode_message(frame.message)
            self.bytes_out += len(payload)
            self.messages += 1
            kind = message_type(frame.message)
            self.types[kind] = self.types.get(kind, 0) + 1
            if kind == "bot-llm-text" and self.sample is None:
                self.sample = payload
            self.last_seen = time.perf_counter()
            self.changed.set()
            return
        if isinstance(frame, LLM_FRAMES):
            self.llm_frames += 1
            if isinstance(frame, LLMTextFrame):
                self.tokens += 1
            self.last_seen = time.perf_counter()
            self.changed.set()
            return
        await self.push_frame(frame, direction)
        if isinstance(frame, StartFrame):
            self.start_seen.set()

    async def wait_for(self, llm_frames: int, llm_text_messages: int, grace: float) -> bool:
        """Wait until the sink saw the LLM frames and the bot-llm-text messages.

        Once all LLM frames have arrived, missing messages get ``grace``
        seconds; returns False if they never came.
        """
        deadline = None
        while True:
            if self.llm_frames >= llm_frames and self.types.get("bot-llm-text", 0) >= llm_text_messages:
                return True
            if self.llm_frames >= llm_frames and deadline is None:
                deadline = time.perf_counter() + grace
            self.changed.clear()
            timeout = TIMEOUT if deadline is None else max(0.0, deadline - time.perf_counter())
            try:
                await asyncio.wait_for(self.changed.wait(), timeout)
            except TimeoutError:
                if deadline is None:
                    raise
                return False


def make_responses(n_responses: int, tokens_per_response: int) -> list:
    frames = []
    for _ in range(n_responses):
        frames.append(LLMFullResponseStartFrame())
        for i in range(tokens_per_response):
            frames.append(LLMTextFrame(text=SENTENCE[i % len(SENTENCE)]))
        frames.append(LLMFullResponseEndFrame())
    return frames


async def main(args) -> dict:
    sink = Sink()
    pipeline = Pipeline([PassThrough() for _ in range(args.processors)] + [sink])
    task = PipelineTask(pipeline, params=PipelineParams())
    rtvi_on = task.rtvi is not None

    n_responses = max(1, args.events // args.tokens_per_response)
    warmup = make_responses(2, args.tokens_per_response)
    frames = make_responses(n_responses, args.tokens_per_response)
    n_tokens = n_responses * args.tokens_per_response

    runner = PipelineRunner(handle_sigint=False)
    runner_task = asyncio.create_task(runner.run(task))
    await asyncio.wait_for(sink.start_seen.wait(), TIMEOUT)

    # Warm-up (not measured).
    await task.queue_frames(warmup)
    await sink.wait_for(len(warmup), 2 * args.tokens_per_response, grace=5.0)
    await asyncio.sleep(0.05)  # let stragglers (e.g. bot-llm-stopped) land

    base_frames = sink.llm_frames
    base_text = sink.types.get("bot-llm-text", 0)
    base_messages = sink.messages
    base_types = dict(sink.types)
    base_bytes = sink.bytes_out

    _common.settle()
    timer = _common.Timer().start()
    await task.queue_frames(frames)
    complete = await sink.wait_for(base_frames + len(frames), base_text + n_tokens, grace=5.0)
    timer.stop(wall_end=sink.last_seen)

    messages = sink.messages - base_messages
    types = {k: v - base_types.get(k, 0) for k, v in sink.types.items()}
    types = {k: v for k, v in types.items() if v}
    llm_text = types.get("bot-llm-text", 0)

    await task.queue_frame(EndFrame())
    await asyncio.wait_for(runner_task, TIMEOUT)

    return {
        "rtvi_enabled": bool(rtvi_on),
        "complete": complete,
        "llm_text_frames_pushed": n_tokens,
        "frames_pushed": len(frames),
        "messages_seen": messages,
        "bot_llm_text_seen": llm_text,
        "message_types": types,
        "json_bytes": sink.bytes_out - base_bytes,
        "sample_bot_llm_text": sink.sample.decode("utf-8", "replace") if sink.sample else None,
        "cpu_s": timer.cpu,
        "wall_s": timer.wall,
        "cpu_us_per_event": timer.cpu / messages * 1e6 if messages else None,
        "wall_us_per_event": timer.wall / messages * 1e6 if messages else None,
        "cpu_us_per_llm_token": timer.cpu / n_tokens * 1e6,
    }


if __name__ == "__main__":
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000, help="LLMTextFrame tokens")
    parser.add_argument("--tokens-per-response", type=int, default=20)
    parser.add_argument("--processors", type=int, default=3, help="pass-through processors")
    args = parser.parse_args()
    results = asyncio.run(main(args))
    _common.emit("rtvi_event", FRAMEWORK, results, params=vars(args))
