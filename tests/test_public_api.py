"""The names users import from ``rtvi_core`` directly."""

import subprocess
import sys

import rtvi_core
import rtvi_core.frames


def test_every_frame_is_exported_from_the_top_level():
    assert set(rtvi_core.frames.__all__) == rtvi_core._FRAME_NAMES


def test_frames_all_lists_every_class_the_package_imports():
    # a literal list (type checkers read it), kept to what the package's imports bind
    imported = {name for name in vars(rtvi_core.frames) if name[0].isupper()}
    assert sorted(rtvi_core.frames.__all__) == sorted(imported)


def test_star_import_and_lazy_names_resolve():
    namespace: dict = {}
    exec("from rtvi_core import *", namespace)
    for name in (
        "Pipeline",
        "PipelineTask",
        "PipelineParams",
        "PipelineRunner",
        "FrameProcessor",
        "FrameDirection",
        "RTVIProcessor",
        "RTVIObserver",
        "RTVIObserverParams",
        "TextFrame",
        "LLMRunFrame",
        "InputAudioRawFrame",
        "OutputAudioRawFrame",
        "TranscriptionFrame",
        "InterruptionFrame",
        "EndFrame",
        "CancelFrame",
        "LLMContext",
    ):
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


def test_bot_imports_defer_heavy_dependencies():
    code = (
        "import sys\n"
        "from rtvi_core import Pipeline, PipelineParams, PipelineTask, PipelineRunner, FrameProcessor,"
        " RTVIProcessor, RTVIObserver, RTVIObserverParams, TextFrame, EndFrame\n"
        "print(sorted(m for m in ('anyio', 'msgspec', 'pydantic', 'pluggy', 'dataclasses') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_user_frames_written_as_pipecat_dataclasses_work():
    code = """
import anyio
from dataclasses import dataclass, field
from rtvi_core import DataFrame, EndFrame, FrameProcessor, Pipeline, PipelineTask, SystemFrame

@dataclass
class ScoreFrame(DataFrame):
    value: int
    tags: list = field(default_factory=list)

@dataclass
class Ping(SystemFrame):
    note: str = "hi"

seen = []

class Sink(FrameProcessor):
    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, (ScoreFrame, Ping)):
            seen.append(frame)
        await self.push_frame(frame, direction)

async def main():
    task = PipelineTask(Pipeline([Sink()]), enable_rtvi=False)
    await task.queue_frames([ScoreFrame(3, ["a"]), Ping(), EndFrame()])
    await task.run()

anyio.run(main)
score = next(f for f in seen if isinstance(f, ScoreFrame))
ping = next(f for f in seen if isinstance(f, Ping))
assert seen[0] is ping  # a system frame overtakes queued data
assert (score.value, score.tags, ping.note) == (3, ["a"], "hi")
assert score.id < ping.id and score.metadata == {} and score.interruptible
print(score.name, ping.is_system)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [f"ScoreFrame#{out.stdout.split('#')[1].split()[0]}", "True"]
