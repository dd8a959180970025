"""The bot's Opus track: real libopus packets, paced at 20 ms, silence when idle, cleared at once;
its native threads (and the microphone reader's) released when the session ends."""

from __future__ import annotations

import math
import os
import struct

import av
import pytest
from aiortc.mediastreams import MediaStreamError
from rtvi_webrtc import audio_out
from rtvi_webrtc.audio_in import MicrophoneReader
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


async def test_recv_sleeps_until_each_packet_is_due(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    track = BotAudioTrack(clock=clock)
    slept: list[float] = []

    async def sleep(secs: float) -> None:
        slept.append(secs)
        clock.now += secs

    monkeypatch.setattr(audio_out.asyncio, "sleep", sleep)
    for _ in range(3):
        await track.recv()
    clock.now += 1.0  # a stalled loop: the schedule moves on instead of bursting
    await track.recv()
    await track.recv()
    monkeypatch.undo()
    assert slept == [pytest.approx(0.02), pytest.approx(0.02), pytest.approx(0.02)]


def native_threads() -> int:
    """Threads of this process, FFmpeg's worker threads included (``threading`` does not see those)."""
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
async def test_stop_releases_the_encoder_and_resampler_threads_at_once() -> None:
    before = native_threads()
    track = BotAudioTrack(clock=FakeClock())
    track.write(tone(24000, 0.1), 24000)  # resampled to 48 kHz: an FFmpeg filter graph
    await track.recv()  # encoded
    assert native_threads() > before, "the encoder and the resampler run worker threads"
    track.stop()  # a session's end; the track may still be referenced (cycles wait for the GC)
    assert native_threads() == before
    with pytest.raises(MediaStreamError):
        await track.recv()


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
async def test_the_microphone_reader_releases_its_resampler_when_the_track_ends() -> None:
    frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
    frame.planes[0].update(bytes(960 * 4))
    frame.sample_rate = 48000
    frames = [frame, frame]

    class Track:
        id = "mic"

        async def recv(self) -> av.AudioFrame:
            if not frames:
                raise MediaStreamError
            return frames.pop()

    got: list[tuple[int, int]] = []

    async def sink(pcm: bytes, rate: int) -> None:
        got.append((len(pcm), rate))

    before = native_threads()
    reader = MicrophoneReader(Track(), 16000, sink)  # type: ignore[arg-type]
    await reader.run()
    assert reader.frames == 2 and sum(n for n, _ in got) > 0 and {rate for _, rate in got} == {16000}
    assert native_threads() == before, "the resampler's threads ended with the track"
