"""Cost of the Silero VAD per 32 ms window, and its turn timing on the recorded clips.

Usage: python benchmarks/window_cost.py [--windows 2000] [--repeats 5]

Prints the model's load time, the median µs per window (through ``analyze_audio``,
the path a transport takes, at 16 kHz, 8 kHz and 48 kHz with resampling), and where
each clip's turn starts/ends relative to its true speech bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from rtvi_silero import SileroVADAnalyzer
from rtvi_silero.model import load_model

from rtvi_core.testing.contracts.vad import speech_bounds, trace, white_noise
from rtvi_core.testing.speech import load_speech, silence, speech_clips


async def window_cost(rate: int, windows: int) -> float:
    """µs per 32 ms window for ``windows`` windows of noise fed one window at a time."""
    vad = SileroVADAnalyzer()
    vad.set_sample_rate(rate)
    size = vad.num_frames_required()
    pcm = white_noise(size * windows / rate, 0.1, rate)
    chunks = [pcm[i : i + 2 * size] for i in range(0, len(pcm), 2 * size)]
    began = time.perf_counter()
    for chunk in chunks:
        await vad.analyze_audio(chunk)
    return 1e6 * (time.perf_counter() - began) / len(chunks)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    began = time.perf_counter()
    load_model()
    print(f"model load: {1e3 * (time.perf_counter() - began):.1f} ms")
    for rate in (16000, 8000, 48000):
        await window_cost(rate, 50)  # warm up
        runs = [await window_cost(rate, args.windows) for _ in range(args.repeats)]
        print(
            f"{rate} Hz stream: median {statistics.median(runs):.0f} µs per 32 ms window "
            f"(runs: {', '.join(f'{r:.0f}' for r in runs)})"
        )

    for name in speech_clips():
        clip = load_speech(name)
        onset, offset = speech_bounds(clip.pcm, clip.sample_rate)
        vad = SileroVADAnalyzer()
        vad.set_sample_rate(clip.sample_rate)
        lead = 1.0
        pcm = silence(lead, clip.sample_rate) + clip.pcm + silence(1.5, clip.sample_rate)
        for start, end in (await trace(vad, pcm, clip.sample_rate)).turns():
            print(
                f"{name}: speech {onset:.3f}–{offset:.3f} s; SPEAKING at {start - lead:.3f} s "
                f"(+{start - lead - onset:.3f}), QUIET at {end - lead:.3f} s (+{end - lead - offset:.3f})"
            )


if __name__ == "__main__":
    asyncio.run(main())
