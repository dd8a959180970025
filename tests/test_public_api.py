"""The names users import from ``rtvi_core`` directly."""

import subprocess
import sys

import rtvi_core
import rtvi_core.frames


def test_every_frame_is_exported_from_the_top_level():
    assert rtvi_core._FRAME_NAMES == set(rtvi_core.frames.__all__)


def test_star_import_and_lazy_names_resolve():
    namespace: dict = {}
    exec("from rtvi_core import *", namespace)
    for name in ("Pipeline", "PipelineTask", "PipelineParams", "PipelineRunner", "FrameProcessor",
                 "FrameDirection", "RTVIProcessor", "RTVIObserver", "RTVIObserverParams",
                 "TextFrame", "LLMRunFrame", "InputAudioRawFrame", "OutputAudioRawFrame",
                 "TranscriptionFrame", "InterruptionFrame", "EndFrame", "CancelFrame", "LLMContext"):
        assert namespace[name] is getattr(rtvi_core, name)


def test_unknown_name_is_an_attribute_error():
    try:
        rtvi_core.NoSuchFrame  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchFrame" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_bare_import_loads_no_heavy_modules():
    code = "import sys, rtvi_core; print(sorted(m for m in ('anyio', 'msgspec', 'asyncio', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
