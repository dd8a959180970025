"""Scenario: voice-to-voice latency of the voice bot, at the client, against its components alone.

rtvi_core only (Pipecat has no equivalent bot here). The server is ``rtvi run
benchmarks/voice/voice.toml --port 0`` in its own process: WebSocket transport,
Silero VAD (``stop_secs = 0.3``), Whisper tiny.en, the echo LLM, Piper (joe),
metrics on. This process is the client (``tests/voice/voice_support.py``'s
``VoiceClient``): it streams microphone audio at real time in 16 ms frames (silence
when it has nothing to say), as a browser does, and stamps what it receives.

``--transport webrtc``: the same bot over WebRTC (``benchmarks/voice/voice_webrtc.toml``)
and an aiortc client (``benchmarks/webrtc/voice_peer.py``): the microphone as Opus in
20 ms packets (each sentence encoded before it is spoken, as a browser encodes on the user's
machine), RTVI on the data channel, and "the first bot audio frame" is the first
bot audio packet larger than rtvi-webrtc's 3-byte silence packet, stamped on arrival
(not decoded).

For each utterance (``benchmarks/voice/utterances.py``: sentences spoken by the Piper
plugin, 16 kHz, trimmed), after one warm-up turn:

1. **voice to voice**: from the moment the last frame holding speech was sent to the
   first bot audio frame read, split by the RTVI events received into
   ``vad_wait`` (→ ``user-stopped-speaking``), ``stt`` (→ ``user-transcription``),
   ``turn_end`` (→ ``user-llm-text``: the user aggregator), ``llm_first_token``
   (→ first ``bot-llm-text``), ``tts_start`` (→ ``bot-tts-started``), ``tts_first_audio``
   (the TTS's ttfb from the ``metrics`` messages) and ``transport`` (the rest, up to
   the first audio frame). The client then waits for ``bot-stopped-speaking``.
2. **components alone** (``benchmarks/voice/components.py``), same utterance, same
   bot file, no pipeline: the VAD's stop decision, Whisper on the same segment, the
   echo's first chunk, Piper's first audio. ``overhead = voice_to_voice - components``
   (noisy: each side is measured once per turn); ``framework_gaps`` is the sum of the
   parts where no model runs (``turn_end``, ``llm_first_token``, ``tts_start``,
   ``transport``), a steadier bound on what the framework adds after the STT.

Prints one JSON object: per-turn figures and p50/p90 summaries (``_common.summarize``).
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path
from typing import Any

import _common

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VOICE_DIR = HERE.parent / "voice"
sys.path[:0] = [str(VOICE_DIR), str(ROOT / "tests" / "voice")]

#: The breakdown, in order; its parts add up to ``voice_to_voice``.
PARTS = ("vad_wait", "stt", "turn_end", "llm_first_token", "tts_start", "tts_first_audio", "transport")
#: The parts where no model runs (the echo LLM takes ~0.1 ms): the framework's own hops.
FRAMEWORK_GAPS = ("turn_end", "llm_first_token", "tts_start", "transport")


def breakdown(client: Any, started: float, speech_end: float, tts_class: str) -> dict[str, float]:
    """Seconds between the events of the turn that began at ``started`` (see the module doc);
    ``tts_class`` names the TTS whose ttfb the ``metrics`` messages report."""
    after = [item for item in client.received if item.at > started]

    def at(kind: str) -> float:  # (the final transcript, not an interim one)
        return next(item.at for item in after if item.type == kind and is_final(item))

    marks = [speech_end] + [
        at(kind)
        for kind in ("user-stopped-speaking", "user-transcription", "user-llm-text", "bot-llm-text", "bot-tts-started")
    ]
    first_audio = at("audio")
    parts = dict(zip(PARTS, (b - a for a, b in itertools.pairwise(marks))))
    parts["tts_first_audio"] = ttfb = tts_ttfb(after, tts_class)
    parts["transport"] = first_audio - marks[-1] - ttfb
    parts["voice_to_voice"] = first_audio - speech_end
    return parts


def is_final(item: Any) -> bool:
    """False for an interim ``user-transcription``, True for anything else."""
    return item.type != "user-transcription" or item.data["data"]["final"]


def tts_ttfb(received: list[Any], tts_class: str) -> float:
    """The first non-zero ttfb that a ``metrics`` message in ``received`` reports for ``tts_class``."""
    return next(
        entry["value"]
        for item in received
        if item.type == "metrics"
        for entry in item.data["data"].get("ttfb", [])
        if entry["processor"].partition("#")[0] == tts_class and entry["value"] > 0
    )


async def run(args: Any) -> dict[str, Any]:
    import anyio
    from components import Components
    from utterances import SENTENCES, utterances
    from voice_support import voice_client
    from ws_sessions import Server, server_command

    if args.transport == "webrtc":
        sys.path.insert(0, str(HERE.parent / "webrtc"))
        from voice_peer import webrtc_voice_client as voice_client  # type: ignore[no-redef]

    from rtvi_core.config.loader import load_bot_file

    clips = utterances(SENTENCES[: args.utterances])
    config = load_bot_file(args.bot_file)
    loading = time.perf_counter()
    components = await anyio.to_thread.run_sync(Components, config)
    loaded = time.perf_counter() - loading
    server = Server(server_command("rtvi_core", Path(args.bot_file), ""), VOICE_DIR)
    turns = []
    try:
        await server.wait_listening(args.start_timeout)
        async with voice_client(server.port, server.host) as client:
            plan = [(clip, False) for clip in clips[: args.warmup]] + [(clip, True) for clip in clips] * args.rounds
            for clip, counted in plan:
                started, speech_end = await client.say(clip.frames(16))
                await client.wait_for("bot-stopped-speaking", after=speech_end, timeout=args.turn_timeout)
                transcript = next(
                    i for i in client.received if i.at > started and i.type == "user-transcription" and is_final(i)
                )
                turn = breakdown(client, started, speech_end, config.tts.obj.__name__)
                alone = await components.measure(clip)
                turn.update(
                    text=clip.text,
                    speech_secs=clip.seconds,
                    transcript=transcript.data["data"]["text"],
                    components=alone,
                    overhead=turn["voice_to_voice"] - alone["total"],
                    framework_gaps=sum(turn[part] for part in FRAMEWORK_GAPS),
                )
                if counted:
                    turns.append(turn)
                print(
                    f"[voice_latency] {'' if counted else 'warm-up '}{clip.text!r}: v2v "
                    f"{turn['voice_to_voice']:.3f} s, components {alone['total']:.3f} s",
                    file=sys.stderr,
                )
                await anyio.sleep(args.gap)
        shutdown = server.stop(20.0)
    except Exception:
        sys.stderr.write(f"--- server log tail ---\n{server.log_tail()}\n")
        raise
    finally:
        server.cleanup()

    def summary(values: list[float]) -> dict[str, float]:
        return _common.summarize([v * 1000 for v in values])  # ms

    return {
        "turns": turns,
        "ms": {
            "voice_to_voice": summary([t["voice_to_voice"] for t in turns]),
            **{part: summary([t[part] for t in turns]) for part in PARTS},
            "components": {
                part: summary([t["components"][part] for t in turns]) for part in ("vad", "stt", "llm", "tts", "total")
            },
            "overhead": summary([t["overhead"] for t in turns]),
            "framework_gaps": summary([t["framework_gaps"] for t in turns]),
        },
        "component_load_s": loaded,
        "transcripts_exact": sum(
            t["transcript"].lower().strip(" .?!") == t["text"].lower().strip(" .?!") for t in turns
        ),
        "shutdown": shutdown,
        "transport": args.transport,
        "loadavg": os.getloadavg(),
    }


def main() -> None:
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--utterances", type=int, default=12, help="how many of the 12 sentences to speak")
    parser.add_argument("--rounds", type=int, default=1, help="times each sentence is spoken")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted turns first")
    parser.add_argument("--gap", type=float, default=0.5, help="seconds of silence between turns")
    parser.add_argument("--transport", choices=("websocket", "webrtc"), default="websocket")
    parser.add_argument("--bot-file", default=None, help="default: voice/voice.toml, or voice_webrtc.toml")
    parser.add_argument("--start-timeout", type=float, default=120.0)
    parser.add_argument("--turn-timeout", type=float, default=60.0)
    args = parser.parse_args()
    if args.bot_file is None:
        args.bot_file = str(VOICE_DIR / ("voice_webrtc.toml" if args.transport == "webrtc" else "voice.toml"))
    if args.framework != "rtvi_core":
        _common.emit("voice_latency", args.framework, {"skipped": "rtvi_core only"})
        return
    import anyio

    results = anyio.run(run, args)
    _common.emit(
        "voice_latency", args.framework, results, params={k: v for k, v in vars(args).items() if k != "framework"}
    )


if __name__ == "__main__":
    main()
