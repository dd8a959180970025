"""The bot's Opus track: real libopus packets, paced at 20 ms, silence when idle, cleared at once;
its native threads (and the microphone reader's) released when the session ends."""

from __future__ import annotations

import asyncio
import gc
import math
import os
import struct
from collections.abc import Callable
from fractions import Fraction

import av
import pytest
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket
from rtvi_webrtc.audio_in import MicrophoneReceiver
from rtvi_webrtc.audio_out import SAMPLES_PER_PACKET, SILENCE_PACKET, BotAudioTrack

pytestmark = pytest.mark.anyio


def tone(rate: int, secs: float, amplitude: int = 8000) -> bytes:
    n = int(rate * secs)
    return struct.pack(f"<{n}h", *(int(amplitude * math.sin(2 * math.pi * 440 * i / rate)) for i in range(n)))


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def decode(payloads: list[bytes]) -> bytes:
    decoder = av.CodecContext.create("libopus", "r")
    pcm = b""
    for payload in payloads:
        for frame in decoder.decode(av.Packet(payload)):
            mono = av.AudioResampler(format="s16", layout="mono", rate=48000).resample(frame)
            pcm += b"".join(bytes(f.planes[0])[: f.samples * 2] for f in mono)
    return pcm


def rms(pcm: bytes) -> float:
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


async def test_audio_at_any_rate_becomes_20_ms_opus_packets_then_silence() -> None:
    clock = FakeClock()
    track = BotAudioTrack(clock=clock)
    track.write(tone(24000, 0.5), 24000)
    assert track.buffered_secs == pytest.approx(0.5, abs=0.01)
    packets = []
    for _ in range(30):
        packet = await track.recv()
        clock.now += 0.02
        packets.append(packet)
    assert [p.pts for p in packets] == [i * SAMPLES_PER_PACKET for i in range(30)]
    assert track.packets_sent == 25 and track.silence_sent == 5
    assert all(bytes(p) == SILENCE_PACKET for p in packets[25:])
    decoded = decode([bytes(p) for p in packets[:25]])
    assert rms(decoded[9600:]) == pytest.approx(8000 / math.sqrt(2), rel=0.15)  # a 440 Hz tone came through


async def test_clear_drops_what_waits_and_stereo_is_downmixed() -> None:
    clock = FakeClock()
    track = BotAudioTrack(clock=clock)
    mono = tone(16000, 0.2)
    stereo = b"".join(mono[i : i + 2] * 2 for i in range(0, len(mono), 2))
    track.write(stereo, 16000, channels=2)
    assert track.buffered_secs == pytest.approx(0.2, abs=0.01)
    track.clear()
    assert track.buffered_secs == 0
    assert bytes(await track.recv()) == SILENCE_PACKET


async def test_a_peer_that_stops_pulling_holds_at_most_the_bound() -> None:
    track = BotAudioTrack(max_buffered_secs=1.0, clock=FakeClock())
    for _ in range(30):
        track.write(tone(48000, 0.1), 48000)
    assert track.buffered_secs == pytest.approx(1.0, abs=0.001)


def pauses(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock, during_silence: Callable[[], None] = lambda: None
) -> list[tuple[float, bool]]:
    """Record the track's pauses (length, may audio end it) instead of sleeping. A pause in
    silence runs ``during_silence`` halfway (a write there ends the pause), the others run whole."""
    taken: list[tuple[float, bool]] = []

    async def pause(self: BotAudioTrack, secs: float, *, wake_on_audio: bool) -> bool:
        taken.append((secs, wake_on_audio))
        if wake_on_audio:
            clock.now += secs / 2
            during_silence()
            if self.buffered_secs:
                return True
            clock.now += secs / 2
            return False
        clock.now += secs
        return False

    monkeypatch.setattr(BotAudioTrack, "_pause", pause)
    return taken


async def test_recv_sleeps_until_each_packet_is_due(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    track = BotAudioTrack(clock=clock)
    slept = pauses(monkeypatch, clock)
    for _ in range(3):
        await track.recv()
    clock.now += 1.0  # a stalled loop: the schedule moves on instead of bursting
    await track.recv()
    await track.recv()
    assert [secs for secs, _ in slept] == [pytest.approx(0.02), pytest.approx(0.02), pytest.approx(0.02)]


async def test_the_first_packet_after_silence_goes_out_at_once_then_pacing_resumes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    track = BotAudioTrack(clock=clock)
    slept = pauses(monkeypatch, clock, lambda: track.write(tone(24000, 0.1), 24000))
    assert bytes(await track.recv()) == SILENCE_PACKET  # the first one: due at once
    first = await track.recv()  # the bot spoke 10 ms into this pause: sent then, not at its slot
    woke_at = clock.now
    second = await track.recv()
    assert bytes(first) != SILENCE_PACKET and bytes(second) != SILENCE_PACKET
    assert slept == [(pytest.approx(0.02), True), (pytest.approx(0.02), False)]
    assert woke_at == pytest.approx(100.01)
    assert clock.now == pytest.approx(woke_at + 0.02)  # paced 20 ms from the new start
    assert [first.pts, second.pts] == [SAMPLES_PER_PACKET, 2 * SAMPLES_PER_PACKET]


async def test_a_write_during_silence_wakes_the_paused_track() -> None:
    track = BotAudioTrack()
    await track.recv()  # silence, sent at once
    pending = asyncio.ensure_future(track.recv())  # paused until the next 20 ms slot...
    await asyncio.sleep(0)
    track.write(tone(16000, 0.04), 16000)  # ...or until audio comes
    packet = await pending
    assert bytes(packet) != SILENCE_PACKET and track.packets_sent == 1
    track.stop()


async def test_audio_at_an_opus_rate_is_encoded_at_that_rate_on_the_48_khz_clock() -> None:
    clock = FakeClock()
    track = BotAudioTrack(clock=clock)
    track.write(tone(24000, 0.2), 24000)
    assert track.encode_rate == 24000 and track._resampler is None  # no resampler on the way
    packets = []
    for _ in range(10):
        packets.append(await track.recv())
        clock.now += 0.02
    assert [p.pts for p in packets] == [i * SAMPLES_PER_PACKET for i in range(10)]
    assert all(p.time_base == Fraction(1, 48000) for p in packets)
    decoded = decode([bytes(p) for p in packets])
    assert len(decoded) == 10 * SAMPLES_PER_PACKET * 2
    assert rms(decoded[9600:]) == pytest.approx(8000 / math.sqrt(2), rel=0.15)
    track.write(tone(22050, 0.1), 22050)  # not an Opus rate: resampled to 48 kHz
    assert track.encode_rate == 48000 and track.buffered_secs == pytest.approx(0.1, abs=0.01)


def native_threads() -> set[int]:
    """The ids of this process's threads, FFmpeg's worker threads included (``threading`` does
    not see those). Tests compare the threads started in a window with those left after it:
    a count would also see other tests' threads that start or end meanwhile."""
    return {int(tid) for tid in os.listdir("/proc/self/task")}


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
async def test_stop_releases_the_encoder_and_resampler_threads_at_once() -> None:
    before = native_threads()
    track = BotAudioTrack(clock=FakeClock())
    track.write(tone(22050, 0.1), 22050)  # resampled to 48 kHz: an FFmpeg filter graph
    await track.recv()  # encoded
    started = native_threads() - before
    assert started, "the encoder and the resampler run worker threads"
    track.stop()  # a session's end; the track may still be referenced (cycles wait for the GC)
    gc.collect()  # in the full suite, other tests' garbage holds FFmpeg objects until collected
    assert not started & native_threads()
    with pytest.raises(MediaStreamError):
        await track.recv()


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
async def test_the_microphone_receiver_releases_its_decoder_when_the_track_ends() -> None:
    class Track:
        id = "mic"

        async def recv(self) -> av.AudioFrame:
            await asyncio.sleep(0)
            raise MediaStreamError

    during: list[set[int]] = []

    async def sink(pcm: bytes, rate: int) -> None:
        during.append(native_threads())  # the resampler's threads run by now

    before = native_threads()
    receiver = MicrophoneReceiver(22050, sink)  # not an Opus rate: libopus at 48 kHz, then a resampler
    receiver.add(RtpPacket(sequence_number=1, ssrc=5, payload=SILENCE_PACKET))
    await receiver.run(Track())  # type: ignore[arg-type]
    assert receiver.packets == 1 and during
    started = during[0] - before  # (not every thread that starts meanwhile: other tests' come and go)
    gc.collect()
    assert not started & native_threads(), "the resampler's threads ended with the track"
