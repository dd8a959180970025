"""The microphone's receive path: libopus at the pipeline's rate, in order, losses concealed, bad packets survived."""

from __future__ import annotations

import asyncio
import fractions
import itertools
import math
import os
import struct

import aiortc
import anyio
import av
import pytest
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket
from rtvi_webrtc.audio_in import MicrophoneReceiver
from rtvi_webrtc.opus_decode import OpusDecoder
from rtvi_webrtc.rtp_tap import tap_audio_receiver

pytestmark = pytest.mark.anyio

SSRC = 0x1234


def tone_packets(count: int, hz: float = 440.0, *, fec: bool = False) -> list[bytes]:
    """``count`` 20 ms Opus packets (libopus at 48 kHz, mono) of a ``hz`` tone."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate = 48000
    encoder.layout = "mono"
    encoder.format = "s16"
    encoder.bit_rate = 32000
    encoder.time_base = fractions.Fraction(1, 48000)
    if fec:
        encoder.options = {"fec": "1", "packet_loss": "20"}
    packets = []
    for k in range(count):
        pcm = struct.pack(
            "<960h", *(int(8000 * math.sin(2 * math.pi * hz * (k * 960 + i) / 48000)) for i in range(960))
        )
        frame = av.AudioFrame(format="s16", layout="mono", samples=960)
        frame.planes[0].update(pcm)
        frame.sample_rate = 48000
        frame.pts = k * 960
        frame.time_base = encoder.time_base
        packets += [bytes(packet) for packet in encoder.encode(frame)]
    return packets


def samples(pcm: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(pcm) // 2}h", pcm)


def frequency(pcm: bytes, rate: int) -> float:
    """The tone's frequency, from its upward zero crossings."""
    values = samples(pcm)
    crossings = sum(1 for a, b in itertools.pairwise(values) if a < 0 <= b)
    return crossings * rate / len(values)


def rtp(seq: int, payload: bytes, ssrc: int = SSRC) -> RtpPacket:
    return RtpPacket(payload_type=111, sequence_number=seq % 65536, timestamp=seq * 960, ssrc=ssrc, payload=payload)


class EndlessTrack:
    """A remote track that ends when told (as aiortc's does when its receiver stops)."""

    id = "mic"

    def __init__(self) -> None:
        self.ended = asyncio.Event()

    async def recv(self) -> av.AudioFrame:
        await self.ended.wait()
        raise MediaStreamError


class Running:
    """A :class:`MicrophoneReceiver` running, with what reached its sink."""

    def __init__(self, rate: int = 16000, reorder_secs: float = 0.06) -> None:
        self.pcm = bytearray()
        self.rates: set[int] = set()
        self.receiver = MicrophoneReceiver(rate, self._sink, reorder_secs=reorder_secs)
        self.track = EndlessTrack()

    async def _sink(self, pcm: bytes, rate: int) -> None:
        self.pcm += pcm
        self.rates.add(rate)

    async def until(self, n_bytes: int) -> None:
        with anyio.fail_after(5):
            while len(self.pcm) < n_bytes:
                await asyncio.sleep(0.005)


async def running(rate: int = 16000, reorder_secs: float = 0.06) -> tuple[Running, asyncio.Task[None]]:
    state = Running(rate, reorder_secs)
    task = asyncio.get_running_loop().create_task(state.receiver.run(state.track))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    return state, task


async def test_opus_is_decoded_at_16_khz_mono_with_the_right_frequency() -> None:
    state, task = await running(16000)
    for seq, payload in enumerate(tone_packets(50)):
        assert state.receiver.add(rtp(seq, payload)) == (False, None)  # aiortc's decoder thread gets nothing
    await state.until(50 * 320 * 2)
    assert state.rates == {16000} and len(state.pcm) == 50 * 320 * 2
    assert frequency(bytes(state.pcm[3200:]), 16000) == pytest.approx(440, rel=0.03)
    state.track.ended.set()
    await task
    assert state.receiver.concealed == 0


@pytest.mark.parametrize("rate", [8000, 24000, 48000, 22050])
async def test_every_rate_gets_its_own_length_and_the_tone(rate: int) -> None:
    decoder = OpusDecoder(rate)
    pcm = b"".join(decoder.decode(payload) for payload in tone_packets(25))
    decoder.close()
    assert abs(len(pcm) // 2 - rate // 2) <= rate // 50  # 0.5 s (a resampler may hold a few samples back)
    assert frequency(pcm[len(pcm) // 10 * 2 :], rate) == pytest.approx(440, rel=0.03)


async def test_a_lost_packet_is_concealed_when_the_window_ends_even_if_nothing_follows() -> None:
    state, task = await running(16000, reorder_secs=0.05)
    packets = tone_packets(8)
    for seq in (0, 1, 2, 3, 5, 6, 7):  # 4 lost, and the user muted after 7: only the timer can release 5-7
        state.receiver.add(rtp(seq, packets[seq]))
    await state.until(8 * 320 * 2)  # 4 concealed in its place: the audio keeps its length
    assert len(state.pcm) == 8 * 320 * 2 and state.receiver.concealed == 1
    state.receiver.add(rtp(4, packets[4]))  # came after all: too late, dropped
    state.receiver.add(rtp(7, packets[7]))  # a duplicate: dropped
    state.receiver.add(rtp(8, tone_packets(9)[8]))
    await state.until(9 * 320 * 2)
    await asyncio.sleep(0.02)
    assert len(state.pcm) == 9 * 320 * 2
    state.track.ended.set()
    await task


async def test_a_packet_reordered_within_the_window_costs_nothing() -> None:
    state, task = await running(16000)
    packets = tone_packets(6)
    for seq in (0, 1, 3, 2, 4, 5):
        state.receiver.add(rtp(seq, packets[seq]))
    await state.until(6 * 320 * 2)
    assert state.receiver.concealed == 0
    state.track.ended.set()
    await task


async def test_the_next_packets_fec_rebuilds_a_lost_one() -> None:
    packets = tone_packets(20, fec=True)
    decoder = OpusDecoder(16000)
    pcm = b"".join(decoder.decode(payload) for payload in packets[:10])
    rebuilt = decoder.conceal(1, packets[11])  # packet 10 lost
    after = decoder.decode(packets[11])
    decoder.close()
    assert len(rebuilt) == len(after) == 320 * 2
    assert max(map(abs, samples(rebuilt))) > 1000, "FEC (or PLC) carried the tone on, not silence"
    assert decoder.decode(packets[12]) == b"", "a closed decoder gives nothing"
    assert len(pcm) == 10 * 320 * 2


@pytest.mark.parametrize(
    "payload",
    [b"", b"\x00", b"\xff", b"\xff\xff\xff\xff", bytes(range(256)) * 4, os.urandom(1500), b"\x03" + b"\xff" * 40],
)
async def test_bad_payloads_are_concealed_and_never_stall_the_stream(payload: bytes) -> None:
    state, task = await running(16000)
    packets = tone_packets(4)
    state.receiver.add(rtp(0, packets[0]))
    state.receiver.add(rtp(1, payload))  # whatever a client sends as Opus
    state.receiver.add(rtp(2, packets[2]))
    state.receiver.add(rtp(3, packets[3]))
    await state.until(3 * 320 * 2)  # the good packets all came through, in order
    assert len(state.pcm) % 2 == 0
    state.track.ended.set()
    await task


async def test_a_new_ssrc_and_wild_sequence_numbers_restart_the_stream() -> None:
    state, task = await running(16000)
    packets = tone_packets(6)
    state.receiver.add(rtp(65534, packets[0]))
    state.receiver.add(rtp(65535, packets[1]))
    state.receiver.add(rtp(0, packets[2]))  # wrap-around: in order
    state.receiver.add(rtp(20000, packets[3]))  # a jump: a new stream, nothing concealed
    state.receiver.add(rtp(7, packets[4], ssrc=SSRC + 1))  # a reconnect
    state.receiver.add(rtp(8, packets[5], ssrc=SSRC + 1))
    await state.until(6 * 320 * 2)
    assert state.receiver.concealed == 0
    state.track.ended.set()
    await task


async def test_packets_after_the_track_ended_are_dropped() -> None:
    state, task = await running(16000)
    state.track.ended.set()
    await task
    assert state.receiver.add(rtp(0, tone_packets(1)[0])) == (False, None)
    assert state.pcm == b""


def test_the_tap_is_pinned_to_aiortcs_receiver() -> None:
    assert aiortc.__version__.startswith("1.16."), "re-check rtvi_webrtc.rtp_tap against this aiortc"
    receiver = MicrophoneReceiver(16000, Running()._sink)
    with pytest.raises(RuntimeError, match="jitter buffer"):
        tap_audio_receiver(object(), receiver)  # not aiortc's receiver, or one that moved its buffer
    receiver.close()
