"""Whisper's turn-end latency and word error rate, segmented against incremental (rtvi_core only).

Each utterance is streamed at real time in 20 ms frames through ``WhisperSTTService``
alone (no VAD model: the VAD's frames are sent where a VAD with ``stop_secs`` = 0.3 s
would send them): 0.3 s of silence, ``VADUserStartedSpeakingFrame``, the speech, 0.3 s
of silence (the hang-over), ``VADUserStoppedSpeakingFrame(stop_secs=0.3)``. Measured:
the wall time from the stop frame to the final ``TranscriptionFrame``, per mode, and
the word error rate of the finals against the spoken text. Also, for attribution, one
decode of the whole segment with the incremental mode's sized encoder context
(``WindowDecoder``) without streaming.

The utterances: the two test clips (``rtvi_core.testing.speech``), the twelve of
``voice_latency`` (``benchmarks/voice/utterances.py``, synthesized with Piper on first
use) and one ~25 s monologue made of those twelve with 0.25 s pauses (longer than
``max_window_secs``: the window is cut). ::

    .venv/bin/python benchmarks/voice/stt_stream.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
from pathlib import Path

import anyio

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "tests" / "voice")]

RATE = 16000
FRAME_SECS = 0.02
HANG_OVER_SECS = 0.3


def normalized(text: str) -> list[str]:
    """Lower-case words without punctuation."""
    return re.findall(r"[a-z0-9']+", text.lower())


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """Word-level edit distance between the texts, and the reference's word count."""
    ref, hyp = normalized(reference), normalized(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1], len(ref)


def clips() -> list[tuple[str, bytes, str]]:
    """(name, 16 kHz PCM16, text) of every utterance measured."""
    from utterances import utterances

    from rtvi_core.testing.speech import load_speech, silence

    tests = [load_speech(name) for name in ("weather-question", "interrupt")]
    spoken = utterances()
    pause = silence(0.25, RATE)
    monologue = ("monologue", pause.join(c.pcm for c in spoken), " ".join(c.text for c in spoken))
    return [(c.name, c.pcm, c.text) for c in (*tests, *spoken)] + [monologue]


async def turn_end(mode: str, pcm: bytes) -> tuple[float, str, int]:
    """Seconds from the VAD stop to the final transcript, the final, and the interim count."""
    from rtvi_whisper import WhisperSTTService

    from rtvi_core.frames import (
        EndFrame,
        InterimTranscriptionFrame,
        TranscriptionFrame,
        UserAudioRawFrame,
        VADUserStartedSpeakingFrame,
        VADUserStoppedSpeakingFrame,
    )
    from rtvi_core.params import PipelineParams
    from rtvi_core.pipeline import Pipeline
    from rtvi_core.task import PipelineTask
    from rtvi_core.testing.recorder import FrameRecorder
    from rtvi_core.testing.speech import silence

    stt = WhisperSTTService(mode=mode)  # type: ignore[arg-type]
    recorder = FrameRecorder(types=(TranscriptionFrame, InterimTranscriptionFrame))
    task = PipelineTask(Pipeline([stt, recorder]), params=PipelineParams(audio_in_sample_rate=RATE), enable_rtvi=False)
    size = int(RATE * FRAME_SECS) * 2
    stopped = arrived = 0.0

    async def speak() -> None:
        nonlocal stopped, arrived
        start = time.perf_counter()
        sent = 0.0

        async def send(audio: bytes) -> None:
            nonlocal sent
            for i in range(0, len(audio), size):
                await task.queue_frame(UserAudioRawFrame(audio=audio[i : i + size], sample_rate=RATE, num_channels=1))
                sent += FRAME_SECS
                await anyio.sleep(max(0.0, start + sent - time.perf_counter()))

        await send(silence(0.3, RATE))
        await task.queue_frame(VADUserStartedSpeakingFrame())
        await send(pcm + silence(HANG_OVER_SECS, RATE))
        await task.queue_frame(VADUserStoppedSpeakingFrame(stop_secs=HANG_OVER_SECS))
        stopped = time.perf_counter()
        await recorder.wait_for(lambda: recorder.of(TranscriptionFrame), 60)  # wakes on each frame recorded
        arrived = time.perf_counter()
        await task.queue_frame(EndFrame())

    async with anyio.create_task_group() as group:
        group.start_soon(task.run)
        group.start_soon(speak)
    final = recorder.of(TranscriptionFrame)[0]
    return arrived - stopped, final.text, len(recorder.of(InterimTranscriptionFrame))


def sized_decode(pcm: bytes) -> float:
    """One ``WindowDecoder`` decode of the whole segment (pre-roll and hang-over included), in seconds."""
    from rtvi_whisper.decoder import WindowDecoder
    from rtvi_whisper.loader import ModelKey, load_model
    from rtvi_whisper.locate import locate_model
    from rtvi_whisper.stt import whisper_samples

    from rtvi_core.testing.speech import silence

    decoder = WindowDecoder(load_model(ModelKey(locate_model("tiny.en"), "int8", 2, 1)), language="en")
    samples = whisper_samples(silence(0.3, RATE) + pcm + silence(HANG_OVER_SECS, RATE), RATE)
    started = time.perf_counter()
    decoder.decode(samples)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per utterance and mode")
    parser.add_argument("--only", help="a regular expression: only the utterances whose name matches")
    parser.add_argument("--output", help="write the per-turn results as JSON here")
    args = parser.parse_args()
    todo = [c for c in clips() if not args.only or re.search(args.only, c[0])]
    rows = []
    for name, pcm, text in todo:
        for run in range(args.runs):
            for mode in ("segmented", "incremental"):
                secs, final, interims = anyio.run(turn_end, mode, pcm)
                errors, words = word_errors(text, final)
                rows.append(
                    {
                        "clip": name,
                        "run": run,
                        "mode": mode,
                        "ms": secs * 1000,
                        "errors": errors,
                        "words": words,
                        "interims": interims,
                        "final": final,
                    }
                )
                print(
                    f"{name[:28]:28} {mode:11} {secs * 1000:7.0f} ms  {interims:2} interims  {errors}/{words}  {final}"
                )
            rows.append({"clip": name, "run": run, "mode": "sized decode", "ms": sized_decode(pcm) * 1000})
    print()
    for mode in ("segmented", "incremental", "sized decode"):
        mine = [r for r in rows if r["mode"] == mode]
        ms = sorted(r["ms"] for r in mine)
        line = f"{mode:12} median {statistics.median(ms):6.0f} ms  p90 {ms[math.ceil(0.9 * len(ms)) - 1]:6.0f} ms"  # nearest rank
        if mode != "sized decode":
            first = [r for r in mine if r["run"] == 0]
            wer = sum(r["errors"] for r in first) / sum(r["words"] for r in first)
            line += f"  WER {wer:.1%} (run 0: {sum(r['errors'] for r in first)} errors / {sum(r['words'] for r in first)} words)"
        print(line)
    if args.output:
        Path(args.output).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
