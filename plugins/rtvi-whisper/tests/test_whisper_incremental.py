"""Incremental mode beyond the contract: agreement, quiet cuts, bounded windows, one decode at a time, cancel."""

from __future__ import annotations

import math
import threading
from array import array
from typing import ClassVar

import anyio
import pytest
from pydantic import ValidationError
from rtvi_whisper import WhisperSTTService
from rtvi_whisper import stt as stt_module
from rtvi_whisper.agreement import PROMPT_WORDS, Agreement
from rtvi_whisper.decoder import Decoded, context_frames
from rtvi_whisper.plugin import WhisperConfig
from rtvi_whisper.turn import quiet_cut

from rtvi_core.frames import (
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from rtvi_core.params import PipelineParams
from rtvi_core.pipeline import Pipeline
from rtvi_core.task import PipelineTask
from rtvi_core.testing.contracts.stt import STTContract, got
from rtvi_core.testing.recorder import FrameRecorder
from rtvi_core.testing.running import running
from rtvi_core.testing.speech import silence

RATE = 16000


def tone(secs: float, amplitude: int = 8000) -> bytes:
    return array("h", (int(amplitude * math.sin(i / 8)) for i in range(int(secs * RATE)))).tobytes()


def speech(secs: float) -> bytes:
    """Tone "words" of 0.5 s with 0.1 s gaps, ``secs`` long."""
    word = tone(0.5) + silence(0.1)
    return (word * math.ceil(secs / 0.6))[: int(secs * RATE) * 2]


# -- pure parts ------------------------------------------------------------------------------


def test_agreement_commits_what_two_decodes_agree_on():
    agreement = Agreement()
    agreement.update(["What", "is", "the", "wea-"])
    assert agreement.committed == [] and agreement.text() == "What is the wea-"
    agreement.update(["what", "is", "the", "weather", "like"])  # case differs: still agreed
    assert agreement.prefix == "what is the" and agreement.tentative == ["weather", "like"]
    agreement.update(["weather", "like", "in", "Paris?"])
    assert agreement.committed == ["what", "is", "the", "weather", "like"]
    agreement.update(["in", "Par-"])
    assert agreement.committed[-1] == "in" and agreement.tentative == ["Par-"]
    agreement.update(["Par-"])  # two decodes ending alike: a last word is never committed ("air|port")
    assert agreement.committed[-1] == "in" and agreement.tentative == ["Par-"]
    agreement.close_window(["what", "is", "the", "weather", "like", "in"])
    assert agreement.prompt == "what is the weather like in" and agreement.prefix == "" and not agreement.tentative


def test_a_whole_decode_replaces_the_committed_words():
    agreement = Agreement()
    agreement.update(["what", "is", "it", "in", "pairs"])
    agreement.update(["what", "is", "it", "in", "pairs", "to"])
    assert agreement.committed == ["what", "is", "it", "in", "pairs"]
    agreement.redo(["what", "is", "it", "in", "Paris", "today?"], final=False)
    assert agreement.committed == [] and agreement.text() == "what is it in Paris today?"
    agreement.redo(["what", "is", "it", "in", "Paris", "today?"], final=True)
    assert agreement.committed == ["what", "is", "it", "in", "Paris", "today?"] and not agreement.tentative


def test_final_words_are_never_decoded_again():
    agreement = Agreement()
    agreement.redo(["What's", "the", "weather", "like"], final=True)
    assert agreement.take_final() == "What's the weather like" and agreement.text() == ""
    # the turn goes on after a pause: the final words are the forced prefix of the next decodes
    assert agreement.final_prefix == "What's the weather like"
    agreement.update(["in", "Pa-"])
    agreement.update(["in", "pairs"])
    assert agreement.text() == "in pairs" and agreement.prefix == "What's the weather like in"
    agreement.redo(["in", "Paris?"], final=False)  # a whole decode keeps the final words only
    assert agreement.committed == ["What's", "the", "weather", "like"] and agreement.text() == "in Paris?"
    assert agreement.take_final() == "in Paris?" and agreement.final == 6
    agreement.close_window(["Thanks."])  # a cut: the final words become prompt, with the head's new ones
    assert agreement.prompt == "What's the weather like in Paris? Thanks." and agreement.final_prefix == ""
    assert agreement.take_final() == "Thanks."


def test_a_long_turns_prompt_keeps_its_newest_words_only():
    """A turn of 1,000 segments, each final then cut off: the prompt stays bounded and each
    final still gives exactly its own words."""
    agreement = Agreement()
    for n in range(1000):
        words = [f"w{n}.{i}" for i in range(5)]
        agreement.redo(words, final=True)
        assert agreement.take_final() == " ".join(words)
        agreement.close_window([])
        assert len(agreement.prompt_words) <= PROMPT_WORDS
    assert agreement.prompt_words[-1] == "w999.4" and agreement.text() == ""


def test_quiet_cut_finds_the_pause():
    pcm = tone(3.0) + silence(0.4) + tone(1.0)
    cut = quiet_cut(pcm, RATE) // 2
    assert 3.0 * RATE <= cut <= 3.4 * RATE


def test_encoder_context_fits_the_audio():
    assert context_frames(100) == 1000  # 10 s at least
    assert context_frames(1000) == 1500  # the audio and 2 s of margin, in 5 s steps
    assert context_frames(2900) == 3000  # never over Whisper's 30 s


# -- the service with a scripted decoder -------------------------------------------------------


class ScriptedDecoder:
    """Stands in for ``WindowDecoder``: one word per 0.5 s of audio; optionally blocks until released."""

    instances: ClassVar[list[ScriptedDecoder]] = []
    #: Hear nothing after a forced prefix (as Whisper may end its text after a wrong one).
    silent_after_prefix: ClassVar[bool] = False

    def __init__(self, model: object, **options: object) -> None:
        self.windows: list[float] = []
        self.prefixes: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.release = threading.Event()
        self.release.set()
        self.started = threading.Event()
        ScriptedDecoder.instances.append(self)

    def decode(self, samples, prompt: str = "", prefix: str = "") -> Decoded:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.windows.append(len(samples) / RATE)
        self.prefixes.append(prefix)
        self.started.set()
        self.release.wait(10)
        self.running -= 1
        # A decode with a forced prefix mishears its new words ("x"), as partial windows of real
        # speech can ("in pairs" for "in Paris"); a whole decode hears them right ("w").
        heard = "x" if prefix else "w"
        words = [f"{heard}{i}" for i in range(int(len(samples) / RATE / 0.5))]
        done = len(prefix.split())
        return Decoded([] if prefix and self.silent_after_prefix else words[done:], "en", 0.0, -0.1)


@pytest.fixture
def scripted(monkeypatch, tiny_en) -> type[ScriptedDecoder]:
    ScriptedDecoder.instances.clear()
    monkeypatch.setattr(ScriptedDecoder, "silent_after_prefix", False)
    monkeypatch.setattr(stt_module, "WindowDecoder", ScriptedDecoder)
    return ScriptedDecoder


@pytest.mark.anyio
async def test_a_long_monologue_keeps_each_decode_bounded(scripted):
    speaker = STTContract()
    stt = WhisperSTTService(model="tiny.en", max_window_secs=5.0)
    heard = await speaker.hear(stt, *speaker.utterance(speech(40.0)), until=got(1))
    decoder = scripted.instances[0]
    assert heard.errors == [] and len(heard.finals) == 1
    assert max(decoder.windows) <= 5.0, decoder.windows  # arriving at once or not, no window over the cap
    assert len(heard.finals[0].text.split()) >= 40.0 / 0.5 * 0.8, heard.finals[0].text  # the words of all of it


@pytest.mark.anyio
async def test_no_decode_is_queued_while_one_runs(scripted):
    speaker = STTContract()
    stt = WhisperSTTService(model="tiny.en", interim_every_secs=0.2)
    recorder = FrameRecorder(types=(InputAudioRawFrame, TranscriptionFrame, InterimTranscriptionFrame))
    params = PipelineParams(audio_in_sample_rate=RATE)
    task = PipelineTask(Pipeline([stt, recorder]), params=params, enable_rtvi=False)
    frames = speaker.utterance(speech(6.0))
    async with running(task, start_timeout=30):
        decoder = scripted.instances[0]
        decoder.release.clear()  # the first decode blocks
        await task.queue_frames(frames[:-1])  # all the audio, no VAD stop
        await anyio.to_thread.run_sync(decoder.started.wait, 10)
        await recorder.wait_for(lambda: len(recorder.of(InputAudioRawFrame)) == len(frames) - 2, 10)
        assert len(decoder.windows) == 1  # 6 s came in, at 0.2 s per decode: still one
        decoder.release.set()
        await task.queue_frames(frames[-1:])
        await recorder.wait_for(lambda: recorder.of(TranscriptionFrame), 10)
    assert decoder.most_at_once == 1
    assert len(decoder.windows) <= 3, decoder.windows  # the blocked one, at most one more interim, the final
    assert recorder.of(InterimTranscriptionFrame)


@pytest.mark.anyio
async def test_the_final_comes_from_a_whole_decode_not_from_forced_words(scripted):
    speaker = STTContract()
    stt = WhisperSTTService(model="tiny.en", interim_every_secs=0.2)
    task, recorder, _ = speaker.task_for(stt)
    frames = speaker.audio_frames(speech(4.0))
    async with running(task, start_timeout=30):
        await task.queue_frame(VADUserStartedSpeakingFrame())
        for part in (
            frames[: len(frames) // 3],
            frames[len(frames) // 3 : 2 * len(frames) // 3],
            frames[2 * len(frames) // 3 :],
        ):
            seen = len(recorder.of(InterimTranscriptionFrame))
            await task.queue_frames(part)
            await recorder.wait_for(lambda seen=seen: len(recorder.of(InterimTranscriptionFrame)) > seen, 10)
        await task.queue_frames([*speaker.audio_frames(silence(0.3)), VADUserStoppedSpeakingFrame()])
        await recorder.wait_for(lambda: recorder.of(TranscriptionFrame), 10)
    interims = [frame.text for frame in recorder.of(InterimTranscriptionFrame)]
    assert any("x" in text for text in interims), interims  # forced decodes misheard
    [final] = recorder.of(TranscriptionFrame)
    assert final.text and all(word.startswith("w") for word in final.text.split()), final.text


@pytest.mark.anyio
@pytest.mark.parametrize("pause_secs", [0.3, 1.5])
async def test_speech_after_a_short_pause_is_decoded_with_what_came_before(scripted, pause_secs):
    """Speech resuming within join_pause_secs (1 s) of the VAD's stop: its final decode hears the
    audio before the pause and forces the first final's words; its final has the new words only.
    After a longer pause the next utterance is decoded alone."""
    speaker = STTContract()
    stt = WhisperSTTService(model="tiny.en")
    frames = [
        *speaker.utterance(speech(2.0)),
        *speaker.audio_frames(silence(pause_secs)),
        *speaker.utterance(speech(1.5)),
    ]
    heard = await speaker.hear(stt, *frames, until=got(2))
    decoder = scripted.instances[0]
    first, second = heard.texts
    joined = pause_secs < 1.0
    assert decoder.prefixes[-1] == (first if joined else "")
    assert (decoder.windows[-1] > 4.0) is joined, decoder.windows  # pre-roll, 2 s, pause, 1.5 s
    if joined:  # (the scripted words are numbered per decoded window)
        assert not set(first.split()) & set(second.split()), heard.texts  # no word given out twice
    assert 3 <= len(second.split()) <= 5, second


@pytest.mark.anyio
async def test_a_joined_segment_heard_as_nothing_is_decoded_alone(scripted):
    """The decode after the first final's words gives nothing: the segment is decoded once more
    without the audio before the pause (the first final's words as prompt), so it is not lost."""
    scripted.silent_after_prefix = True
    speaker = STTContract()
    stt = WhisperSTTService(model="tiny.en")
    frames = [*speaker.utterance(speech(2.0)), *speaker.audio_frames(silence(0.3)), *speaker.utterance(speech(1.5))]
    heard = await speaker.hear(stt, *frames, until=got(2))
    decoder = scripted.instances[0]
    assert heard.texts[1] and decoder.prefixes[-1] == "", heard.texts
    assert decoder.windows[-1] < 3.0, decoder.windows  # the pre-roll, the pause's end, 1.5 s, the tail


@pytest.mark.anyio
async def test_cancel_waits_for_the_running_decode(scripted):
    speaker = STTContract()
    stt = WhisperSTTService(model="tiny.en")
    task, recorder, _ = speaker.task_for(stt)
    frames = [VADUserStartedSpeakingFrame(), *speaker.audio_frames(speech(2.0))]
    async with running(task, start_timeout=30):
        decoder = scripted.instances[0]
        decoder.release.clear()
        await task.queue_frames(frames)
        await anyio.to_thread.run_sync(decoder.started.wait, 10)
        async with anyio.create_task_group() as group:
            group.start_soon(task.cancel)
            await anyio.sleep(0.05)
            decoder.release.set()
    assert decoder.running == 0, "a decode outlived the cancelled run"
    assert not recorder.of((TranscriptionFrame,)), recorder.frames


def test_mode_and_window_are_checked(tiny_en):
    with pytest.raises(ValueError, match="mode"):
        WhisperSTTService(model=tiny_en, mode="streaming")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_window_secs"):
        WhisperSTTService(model=tiny_en, max_window_secs=40)
    for bad in (-1.0, 3.0, float("inf")):
        with pytest.raises(ValueError, match="join_pause_secs"):
            WhisperSTTService(model=tiny_en, join_pause_secs=bad)
    with pytest.raises(ValidationError, match="join_pause_secs"):
        WhisperConfig(join_pause_secs=1e9)
