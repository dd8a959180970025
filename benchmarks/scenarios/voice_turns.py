"""Scenario: end of speech → first bot audio, barge-in and word error rate, before and after
smart turn end (issue 13), in one run (rtvi_core only).

Bots, each served by ``rtvi run <bot file> --port 0`` in its own process, side by side:

* ``fixed`` (before): ``benchmarks/voice/voice_fixed_stop.toml``: Silero with a fixed 0.3 s
  hang-over, Whisper tiny.en segmented (one transcription after the VAD's stop);
* ``smart`` (after): ``benchmarks/voice/voice_smart_turn.toml``: Whisper incremental
  (interim transcripts while the user speaks), the VAD stopping at a 0.2 s pause, and
  ``[turn] use = "text"``: a complete utterance ends the turn there, one that trails off
  waits up to 0.8 s of silence.

``--bots fixed,smart,smart-last-word`` adds ``voice_smart_turn_last_word.toml``: the same with
``require_punctuation = false`` (a final without terminal punctuation: its last word decides);
``default`` is the bot ``rtvi run`` serves without a file (written out for the run: the same
turn settings as ``smart``, and its echo LLM streams a word every 20 ms, as an LLM would).

Each: the echo LLM, Piper (joe), metrics on. One client per bot
(``tests/voice/voice_support.py``: real-time microphone, 16 ms frames, silence between
utterances) says the 24 utterances of ``benchmarks/voice/turn_utterances.py`` (espeak-ng
voices, 8 with a pause inside) after one warm-up turn; the bots take turns, their order
swapped every utterance, so the machine's load hits both alike. Per turn, from the moment the
last frame holding speech was sent (the end of speech):

* ``turn_end``: → the last ``user-stopped-speaking`` before the answer's first audio;
* ``stt_final``: → the last final ``user-transcription`` before it;
* ``llm_first_token``: from the later of the two (the LLM can start only then) → the first
  ``bot-llm-text``;
* ``tts_first_audio``: → the first bot audio frame read (``tts_ttfb``: the TTS's own ttfb
  from the ``metrics`` messages; the rest is framework and transport);
* ``voice_to_voice``: end of speech → first bot audio;
* ``split``: the turn ended inside the utterance's pause (a ``user-stopped-speaking`` before
  the end of speech): the bot answered a fragment and was interrupted by the rest;
* the word errors of the turn's final transcripts (joined) against the spoken text.

**Barge-in** (every ``--barge-in-every``-th utterance): 0.4 s after the answer's first audio
the client says "Wait, stop please."; measured from that speech's first frame to the last
bot audio frame of the interrupted answer (the last of the frames that kept arriving at
their pace), and to ``bot-interrupted``.

Prints one JSON object: per-turn figures and p50/p90 per bot (``_common.summarize``): over
all utterances (``ms``), the 16 without a pause (``ms_single``) and the 8 with one
(``ms_paused``; a bot that ended such a turn inside the pause may still be speaking its
answer to the first part when the user stops, so there "first bot audio" can be that).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import _common
from voice_latency import VOICE_DIR, is_final, tts_ttfb

sys.path[:0] = [str(VOICE_DIR), str(VOICE_DIR.parents[1] / "tests" / "voice")]

BOTS = {
    "fixed": VOICE_DIR / "voice_fixed_stop.toml",
    "smart": VOICE_DIR / "voice_smart_turn.toml",
    "smart-last-word": VOICE_DIR / "voice_smart_turn_last_word.toml",
    "default": None,  # ``rtvi run`` without a file (see default_bot_file)
}
#: The stages reported, in ms (see the module doc).
STAGES = ("voice_to_voice", "turn_end", "stt_final", "llm_first_token", "tts_first_audio", "tts_ttfb")
#: Bot audio frames arrive at their pace (40 ms chunks); a longer gap ends the interrupted answer.
AUDIO_GAP_SECS = 0.25


def default_bot_file() -> Path:
    """The built-in bot of ``rtvi run`` with the plugins installed here, as a file (with metrics on)."""
    import tempfile

    from rtvi_core.cli.run_cmd import default_served_bot
    from rtvi_core.plugins import get_plugin_manager

    text, missing = default_served_bot(get_plugin_manager(autoload=True).registry)
    if missing:
        raise SystemExit(f"the default bot lacks its voice plugins: {'; '.join(missing)}")
    path = Path(tempfile.mkdtemp(prefix="voice_turns-")) / "default-bot.toml"
    path.write_text(text + "\n[rtvi.pipeline]\nenable_metrics = true   # the TTS's ttfb, as the other bots report it\n")
    return path


def turn_figures(received: list[Any], started: float, speech_end: float, tts_class: str) -> dict[str, Any]:
    """Seconds from the end of speech to each stage of the turn that began at ``started``."""
    first_audio = next(i for i in received if i.type == "audio" and i.at > speech_end)
    turn = [i for i in received if started < i.at <= first_audio.at]
    turn_end = max(i.at for i in turn if i.type == "user-stopped-speaking")
    finals = [i for i in turn if i.type == "user-transcription" and is_final(i)]
    heard = max(turn_end, finals[-1].at)
    llm_first = next(i.at for i in turn if i.type == "bot-llm-text" and i.at >= heard)
    return {
        "voice_to_voice": first_audio.at - speech_end,
        "turn_end": turn_end - speech_end,
        "stt_final": finals[-1].at - speech_end,
        "llm_first_token": llm_first - heard,
        "tts_first_audio": first_audio.at - llm_first,
        "tts_ttfb": tts_ttfb([i for i in received if i.at > llm_first], tts_class),
        "split": any(i.type == "user-stopped-speaking" and i.at < speech_end for i in turn),
        "transcript": " ".join(i.data["data"]["text"] for i in finals),
        "interims": sum(1 for i in turn if i.type == "user-transcription" and not is_final(i)),
        "finals": len(finals),  # more than one: the VAD stopped inside the utterance
        "first_audio_at": first_audio.at,
    }


def barge_in_figures(received: list[Any], onset: float) -> dict[str, float] | None:
    """Seconds from the interrupting speech's onset to the interrupted answer's last audio
    frame and to ``bot-interrupted``; None if the answer had already ended."""
    audio = [i.at for i in received if i.type == "audio" and i.at > onset]
    if not audio or audio[0] - onset > AUDIO_GAP_SECS:
        return None
    last = audio[0]
    for at in audio[1:]:
        if at - last > AUDIO_GAP_SECS:
            break
        last = at
    interrupted = next((i.at for i in received if i.type == "bot-interrupted" and i.at > onset), None)
    return {"audio_stopped": last - onset, "bot_interrupted": (interrupted or float("nan")) - onset}


async def run(args: Any) -> dict[str, Any]:
    from contextlib import AsyncExitStack

    import anyio
    from stt_stream import word_errors
    from turn_utterances import INTERRUPTION, UTTERANCES, spoken
    from voice_support import voice_client
    from ws_sessions import Server, server_command

    from rtvi_core.config.loader import load_bot_file

    clips = spoken()[: args.utterances]
    (interruption,) = spoken((INTERRUPTION,))
    bots = {name: BOTS[name] or default_bot_file() for name in args.bots.split(",")}
    tts_class = {name: load_bot_file(path).tts.obj.__name__ for name, path in bots.items()}
    servers = {name: Server(server_command("rtvi_core", path, ""), VOICE_DIR) for name, path in bots.items()}
    turns: dict[str, list[dict[str, Any]]] = {name: [] for name in bots}
    barge_ins: dict[str, list[dict[str, float]]] = {name: [] for name in bots}
    unanswered: dict[str, list[dict[str, Any]]] = {name: [] for name in bots}
    loadavg_start = os.getloadavg()
    try:
        async with AsyncExitStack() as stack:
            clients = {}
            for name, server in servers.items():
                await server.wait_listening(args.start_timeout)
                clients[name] = await stack.enter_async_context(voice_client(server.port, server.host))

            async def settle(client: Any, after: float) -> None:
                """Wait until every answer begun after ``after`` has ended and ``gap`` s passed with none begun."""
                while True:
                    await anyio.sleep(args.gap)
                    begun = [i.at for i in client.received if i.type == "bot-started-speaking" and i.at > after]
                    if not begun:
                        return
                    after = begun[-1]
                    await client.wait_for("bot-stopped-speaking", after=after, timeout=args.turn_timeout)

            for client in clients.values():  # a bot that greets (the default bot): its greeting first
                with anyio.move_on_after(3):
                    await client.wait_for("bot-started-speaking", timeout=10)
                await settle(client, 0.0)
            plan = [(clips[0], -1)] + [(clip, index) for index, clip in enumerate(clips)]
            for clip, index in plan:
                order = list(bots)[index % len(bots) :] + list(bots)[: index % len(bots)]  # taking turns first
                for name in order:
                    client = clients[name]
                    started, speech_end = await client.say(clip.frames(16))
                    with anyio.move_on_after(args.turn_timeout) as waiting:
                        await client.wait_for("audio", after=speech_end)
                    if waiting.cancelled_caught:  # no answer (nothing heard, or a turn that never ended)
                        heard = [
                            (round(i.at - speech_end, 3), i.type, i.data.get("data"))
                            for i in client.received
                            if i.at > started and i.type != "audio"
                        ]
                        unanswered[name].append({"text": clip.text, "received": heard})
                        print(f"[voice_turns] {name:5} NO ANSWER to {clip.text!r}: {heard}", file=sys.stderr)
                        await settle(client, speech_end)
                        continue
                    await client.wait_for("bot-tts-started", after=started, timeout=args.turn_timeout)
                    figures = turn_figures(client.received, started, speech_end, tts_class[name])
                    barge = index >= 0 and args.barge_in_every and index % args.barge_in_every == 0
                    settled_after = speech_end
                    if barge:
                        await anyio.sleep(max(0.0, figures["first_audio_at"] + 0.4 - time.perf_counter()))
                        onset, settled_after = await client.say(interruption.frames(16))
                        stopped = barge_in_figures(client.received, onset)
                        if stopped is not None:
                            barge_ins[name].append(stopped)
                        with anyio.move_on_after(args.turn_timeout):  # the answer to "Wait, stop please."
                            await client.wait_for("bot-started-speaking", after=settled_after)
                    await settle(client, settled_after)
                    if index < 0:
                        continue
                    errors, words = word_errors(clip.text, figures["transcript"])
                    figures.update(text=clip.text, speech_secs=clip.seconds, errors=errors, words=words)
                    del figures["first_audio_at"]
                    turns[name].append(figures)
                    print(
                        f"[voice_turns] {name:5} {figures['voice_to_voice'] * 1000:6.0f} ms "
                        f"(turn end {figures['turn_end'] * 1000:5.0f}, final {figures['stt_final'] * 1000:5.0f})"
                        f"{' SPLIT' if figures['split'] else ''} {errors}/{words} {figures['transcript']!r}",
                        file=sys.stderr,
                    )
        shutdown = {name: server.stop(20.0) for name, server in servers.items()}
    except Exception:
        for name, server in servers.items():
            sys.stderr.write(f"--- {name} server log tail ---\n{server.log_tail()}\n")
        raise
    finally:
        for server in servers.values():
            server.cleanup()

    def ms(values: list[float]) -> dict[str, float]:
        return _common.summarize([v * 1000 for v in values])

    paused = {u.text for u in UTTERANCES if u.pause_secs}
    summary = {}
    for name, mine in turns.items():
        summary[name] = {
            "ms": {stage: ms([t[stage] for t in mine]) for stage in STAGES},
            # the utterances without a pause inside, and those with one (where a bot that ended the
            # turn in the pause may still be answering the first part when the user stops)
            "ms_single": {stage: ms([t[stage] for t in mine if t["text"] not in paused]) for stage in STAGES},
            "ms_paused": {stage: ms([t[stage] for t in mine if t["text"] in paused]) for stage in STAGES},
            "barge_in_ms": {key: ms([b[key] for b in barge_ins[name]]) for key in ("audio_stopped", "bot_interrupted")},
            "wer": sum(t["errors"] for t in mine) / max(1, sum(t["words"] for t in mine)),
            "word_errors": sum(t["errors"] for t in mine),
            "words": sum(t["words"] for t in mine),
            "split_turns": sum(t["split"] for t in mine),
            "unanswered": unanswered[name],
            "split_of_paused": f"{sum(t['split'] for t in mine if t['text'] in paused)}/"
            f"{sum(t['text'] in paused for t in mine)}",
            "turns": mine,
        }
    return {
        "bots": summary,
        "bot_files": {
            name: str(path.relative_to(VOICE_DIR.parents[1])) if BOTS[name] else "rtvi run (no file)"
            for name, path in bots.items()
        },
        "utterances": len(clips),
        "shutdown": shutdown,
        "loadavg_start": loadavg_start,
        "loadavg": os.getloadavg(),
    }


def main() -> None:
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--utterances", type=int, default=24, help="how many of the 24 utterances to say")
    parser.add_argument("--barge-in-every", type=int, default=2, help="interrupt every N-th answer (0: never)")
    parser.add_argument("--bots", default="fixed,smart,default", help=f"which of {', '.join(BOTS)}, in order")
    parser.add_argument("--gap", type=float, default=0.5, help="seconds of silence after each answer")
    parser.add_argument("--start-timeout", type=float, default=120.0)
    parser.add_argument("--turn-timeout", type=float, default=20.0, help="seconds an answer may take to begin")
    args = parser.parse_args()
    if args.framework != "rtvi_core":
        _common.emit("voice_turns", args.framework, {"skipped": "rtvi_core only"})
        return
    import anyio
    from turn_utterances import INTERRUPTION, spoken

    spoken()
    spoken((INTERRUPTION,))  # synthesized (and cached) before the clocks start
    results = anyio.run(run, args)
    _common.emit(
        "voice_turns", args.framework, results, params={k: v for k, v in vars(args).items() if k != "framework"}
    )


if __name__ == "__main__":
    main()
