"""Client audio is bounded before work is done on it: format, real-time budget, step size."""

from __future__ import annotations

import anyio
import pytest

from rtvi_core.audio import (
    INPUT_SAMPLE_RATES,
    AudioFormatError,
    RateConverter,
    RealtimeBudget,
    check_input_format,
)
from rtvi_core.audio.rate_converter import MAX_SOURCE_RATES
from rtvi_core.builtins import MemoryTransport
from rtvi_core.frames import InputAudioRawFrame
from rtvi_core.params import PipelineParams
from rtvi_core.pipeline import Pipeline
from rtvi_core.processor import FrameProcessor
from rtvi_core.services import TransportParams
from rtvi_core.task import PipelineTask
from rtvi_core.testing import FrameRecorder, running

pytestmark = pytest.mark.anyio

RATES = ", ".join(map(str, INPUT_SAMPLE_RATES))


# -- the format a client may send ---------------------------------------------------------


@pytest.mark.parametrize("rate", INPUT_SAMPLE_RATES)
@pytest.mark.parametrize("channels", [1, 2])
def test_every_documented_format_is_accepted(rate, channels):
    check_input_format(rate, channels)


@pytest.mark.parametrize(
    ("rate", "channels", "field", "text"),
    [
        (1, 1, "sample_rate", f"sample_rate 1 is not supported (expected one of {RATES})"),
        (0, 1, "sample_rate", f"sample_rate 0 is not supported (expected one of {RATES})"),
        (96000, 1, "sample_rate", f"sample_rate 96000 is not supported (expected one of {RATES})"),
        (16000, 0, "num_channels", "num_channels 0 is not supported (expected 1 to 2)"),
        (16000, 3, "num_channels", "num_channels 3 is not supported (expected 1 to 2)"),
    ],
)
def test_other_formats_are_refused_naming_the_field(rate, channels, field, text):
    with pytest.raises(AudioFormatError) as info:
        check_input_format(rate, channels)
    assert (info.value.field, str(info.value)) == (field, text)
    assert info.value.describe("theRate").startswith("theRate ")


def test_the_receivers_own_rate_is_accepted_whatever_it_is():
    check_input_format(96000, 1, native_rate=96000)


# -- the real-time budget --------------------------------------------------------------------


def test_the_budget_allows_a_burst_then_its_sustained_speed():
    budget = RealtimeBudget(max_speed=1.5, burst_secs=2.0, now=100.0)
    assert budget.take(1.0, 100.0) and budget.take(1.0, 100.0)
    assert not budget.take(0.5, 100.0)  # the burst is spent
    assert budget.take(1.5, 101.0)  # one second later: 1.5 s more
    assert not budget.take(0.1, 101.0)
    assert budget.take(2.0, 1000.0) and not budget.take(0.1, 1000.0)  # never more than the burst


def test_a_refused_take_spends_nothing():
    budget = RealtimeBudget(max_speed=1.0, burst_secs=1.0, now=0.0)
    assert not budget.take(1.5, 0.0)
    assert budget.take(1.0, 0.0)


# -- the rate converter's cache ------------------------------------------------------------------


def test_the_rate_converter_keeps_the_last_few_source_rates():
    converter = RateConverter(16000)
    for rate in INPUT_SAMPLE_RATES:
        converter.convert(bytes(rate // 50 * 2), rate)
        assert len(converter._resamplers) <= MAX_SOURCE_RATES
    assert list(converter._resamplers) == [r for r in INPUT_SAMPLE_RATES if r != 16000][-MAX_SOURCE_RATES:]
    converter.convert(bytes(320), 32000)  # used again: now the most recent
    assert list(converter._resamplers)[-1] == 32000


# -- the input transport -------------------------------------------------------------------------


class LoopTicks(FrameProcessor):
    """Records, for each input audio frame, how often another task has run so far."""

    def __init__(self, ticks: list[int]) -> None:
        super().__init__()
        self.ticks = ticks
        self.seen: list[int] = []

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            self.seen.append(self.ticks[0])
        await self.push_frame(frame, direction)


def make(**params):
    transport = MemoryTransport(params=TransportParams(audio_in_enabled=True, **params))
    after = FrameRecorder()
    task = PipelineTask(
        Pipeline([transport.input(), after, transport.output()]),
        params=PipelineParams(send_initial_empty_metrics=False, audio_in_sample_rate=16000),
    )
    return transport, task, after


def errors(transport) -> list[str]:
    return [m["data"]["error"] for m in transport.client.messages_of("error") if not m["data"]["fatal"]]


async def test_audio_in_a_format_no_client_may_send_is_dropped_with_one_error_per_episode():
    transport, task, after = make()
    async with running(task):
        for _ in range(3):
            await transport.client.send_audio(bytes(6400), sample_rate=1)
        await transport.client.send_audio(bytes(640), sample_rate=16000)
        await transport.client.send_audio(bytes(640), sample_rate=16000, num_channels=5)
        await transport.client.wait_for(lambda: len(errors(transport)) == 2 or None)
    assert [f.sample_rate for f in after.of(InputAudioRawFrame)] == [16000]
    assert [e.split(": ", 1)[1] for e in errors(transport)] == [
        f"input audio dropped: sample_rate 1 is not supported (expected one of {RATES})",
        "input audio dropped: num_channels 5 is not supported (expected 1 to 2)",
    ]


async def test_audio_running_ahead_of_real_time_is_dropped_with_one_error():
    transport, task, after = make(audio_in_burst_secs=1.0, audio_in_max_speed=0.01)
    async with running(task):
        for _ in range(6):
            await transport.client.send_audio(bytes(16000), sample_rate=16000)  # 0.5 s each
        await transport.client.wait_for(lambda: errors(transport) or None)
    assert len(after.of(InputAudioRawFrame)) == 4  # 1 s: two frames, in two steps each
    (error,) = errors(transport)
    assert error.endswith(
        "input audio dropped: it runs ahead of real time (allowed: 1 s at once, then 0.01× real time)"
    )


async def test_without_a_sustained_speed_audio_is_not_bounded():
    transport, task, after = make(audio_in_max_speed=0)
    async with running(task):
        for _ in range(60):
            await transport.client.send_audio(bytes(32000), sample_rate=16000)  # 1 s each
    assert sum(len(f.audio) for f in after.of(InputAudioRawFrame)) == 60 * 32000
    assert not errors(transport)


async def test_a_long_frame_is_resampled_in_steps_with_the_loop_running_between_them():
    transport = MemoryTransport(params=TransportParams(audio_in_enabled=True))
    ticks = [0]
    seen = LoopTicks(ticks)
    task = PipelineTask(
        Pipeline([transport.input(), seen, transport.output()]),
        params=PipelineParams(send_initial_empty_metrics=False, audio_in_sample_rate=16000),
    )

    async def tick() -> None:
        while True:
            ticks[0] += 1
            await anyio.sleep(0)

    async with running(task), anyio.create_task_group() as group:
        group.start_soon(tick)
        await transport.client.send_audio(bytes(8000 * 2), sample_rate=8000)  # 1 s at 8 kHz
        group.cancel_scope.cancel()
    assert len(seen.seen) == 4  # 0.25 s steps
    assert all(b > a for a, b in zip(seen.seen, seen.seen[1:]))  # another task ran between steps
