"""System frames skip processors that declare they only pass them on (``passes_through``)."""

from __future__ import annotations

from typing import Any

import pytest
from support import bare_task

from rtvi_core import FrameDirection, FrameProcessor, TextFrame
from rtvi_core.frames import (
    InputAudioRawFrame,
    InputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    UserAudioRawFrame,
)
from rtvi_core.frames.audio import USER_AUDIO_FRAMES
from rtvi_core.observers import BaseObserver, FramePushed
from rtvi_core.rtvi.frames import MESSAGE_FRAMES, RTVIClientMessageFrame, RTVIUIMessageFrame
from rtvi_core.services.input_transport import BaseInputTransport
from rtvi_core.services.llm import LLMService
from rtvi_core.services.llm_aggregators import LLMAssistantAggregator, LLMUserAggregator
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.services.output_transport import BaseOutputTransport
from rtvi_core.services.stt import SegmentedSTTService, STTService
from rtvi_core.services.tts import TTSService
from rtvi_core.testing import FrameRecorder, running

pytestmark = pytest.mark.anyio

UP = FrameDirection.UPSTREAM


class Relay(FrameProcessor):
    """Counts the frames it processes and pushes them on; passes client messages through."""

    passes_through = frozenset({InputTransportMessageFrame, TextFrame})

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Any] = []

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        self.seen.append(type(frame))
        await self.push_frame(frame, direction)


class InheritingRelay(Relay):
    """Does not override process_frame: inherits Relay's declaration."""


class OverridingRelay(Relay):
    """Overrides process_frame without declaring anything: gets every frame."""

    async def process_frame(self, frame, direction):
        self.seen.append("override")
        await super().process_frame(frame, direction)


class HopWatcher(BaseObserver):
    frame_types = (InputTransportMessageFrame,)

    def __init__(self) -> None:
        self.hops: list[tuple[str, str]] = []

    async def on_push_frame(self, data: FramePushed) -> None:
        self.hops.append((data.source.name, data.destination.name))


def chain(middle: FrameProcessor, **task_args: Any):
    before, after = FrameRecorder(name="before"), FrameRecorder(name="after")
    return bare_task([before, middle, after], **task_args), before, after


@pytest.mark.parametrize("relay_cls", [Relay, InheritingRelay])
async def test_a_declared_system_frame_skips_the_processor_both_ways(relay_cls):
    relay = relay_cls()
    task, before, after = chain(relay)
    async with running(task):
        await task.queue_frame(InputTransportMessageFrame(message={"a": 1}))
        await after.push_frame(InputTransportMessageFrame(message={"b": 2}), UP)
        await after.wait_for(lambda: after.of(InputTransportMessageFrame))
        await before.wait_for(lambda: before.of(InputTransportMessageFrame, UP))
    assert InputTransportMessageFrame not in relay.seen
    assert [f.message for f in after.of(InputTransportMessageFrame)] == [{"a": 1}]
    assert [f.message for f in before.of(InputTransportMessageFrame, UP)] == [{"b": 2}]


async def test_data_frames_and_undeclared_system_frames_are_still_processed():
    relay = Relay()
    task, _, after = chain(relay)
    async with running(task):
        await task.queue_frame(TextFrame(text="queued in order"))  # declared, but a data frame
        await task.queue_frame(RTVIClientMessageFrame(msg_id="1", type="t"))  # not declared
        await after.wait_for(lambda: after.texts() and after.of(RTVIClientMessageFrame))
    assert TextFrame in relay.seen and RTVIClientMessageFrame in relay.seen


async def test_an_override_of_process_frame_drops_the_inherited_declaration():
    relay = OverridingRelay()
    task, _, after = chain(relay)
    async with running(task):
        await task.queue_frame(InputTransportMessageFrame(message={}))
        await after.wait_for(lambda: after.of(InputTransportMessageFrame))
    assert InputTransportMessageFrame in relay.seen


async def test_an_instance_with_a_replaced_process_frame_is_not_skipped():
    relay = Relay()
    replaced: list[Any] = []

    async def process_frame(frame, direction):
        replaced.append(type(frame))
        await relay.push_frame(frame, direction)

    relay.process_frame = process_frame  # type: ignore[method-assign]
    task, _, after = chain(relay)
    async with running(task):
        await task.queue_frame(InputTransportMessageFrame(message={}))
        await after.wait_for(lambda: after.of(InputTransportMessageFrame))
    assert InputTransportMessageFrame in replaced


async def test_an_observer_wanting_the_frame_sees_every_hop():
    relay = Relay()
    watcher = HopWatcher()
    task, _, after = chain(relay, send_initial_empty_metrics=False)
    task.add_observer(watcher)
    async with running(task):
        await task.queue_frame(InputTransportMessageFrame(message={}))
        await after.wait_for(lambda: after.of(InputTransportMessageFrame))
    assert InputTransportMessageFrame in relay.seen
    hops = [hop for hop in watcher.hops if "source" not in hop[0] and "sink" not in hop[1]]
    assert hops == [("before", relay.name), (relay.name, "after")]


def test_the_builtin_services_pass_client_messages_and_replies_through():
    for cls in (BaseInputTransport, STTService, SegmentedSTTService):  # they act on the user's audio
        assert cls.passes_through == MESSAGE_FRAMES, cls
    # After speech recognition, the user's audio is only passed on (to a recorder, the task's end).
    for cls in (LLMUserAggregator, LLMService, LLMAssistantAggregator, TTSService):
        assert cls.passes_through == MESSAGE_FRAMES | USER_AUDIO_FRAMES, cls
    assert {InputAudioRawFrame, UserAudioRawFrame} == USER_AUDIO_FRAMES
    # The output transport writes urgent replies: they stop there.
    assert OutputTransportMessageUrgentFrame not in BaseOutputTransport.passes_through
    assert (
        BaseOutputTransport.passes_through == (MESSAGE_FRAMES - {OutputTransportMessageUrgentFrame}) | USER_AUDIO_FRAMES
    )
    assert {RTVIClientMessageFrame, RTVIUIMessageFrame, InputTransportMessageFrame} <= MESSAGE_FRAMES


class CountingUserAggregator(LLMUserAggregator):
    """The user aggregator, with its declaration, noting each frame it processes."""

    passes_through = LLMUserAggregator.passes_through

    def __init__(self, context: LLMContext) -> None:
        super().__init__(context)
        self.seen: list[type] = []

    async def process_frame(self, frame, direction):
        self.seen.append(type(frame))
        await super().process_frame(frame, direction)


async def test_the_users_audio_goes_past_the_aggregator_in_one_hop():
    aggregator = CountingUserAggregator(LLMContext())
    task, before, after = chain(aggregator)
    audio = UserAudioRawFrame(audio=b"\0\0" * 320, sample_rate=16000, num_channels=1, user_id="u")
    async with running(task):
        await before.push_frame(audio)
        await task.queue_frame(TextFrame(text="a data frame is still processed"))
        await after.wait_for(lambda: after.texts() and after.of(UserAudioRawFrame))
    assert after.of(UserAudioRawFrame) == [audio]
    assert UserAudioRawFrame not in aggregator.seen and TextFrame in aggregator.seen
