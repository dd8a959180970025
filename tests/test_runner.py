"""PipelineRunner: SIGINT/SIGTERM cancel the task cleanly, in a real subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BOT = textwrap.dedent(
    """
    import sys
    import anyio
    from rtvi_core import FrameProcessor, Pipeline, PipelineRunner, PipelineTask

    class Idle(FrameProcessor):
        async def process_frame(self, frame, direction):
            await super().process_frame(frame, direction)
            await self.push_frame(frame, direction)

    async def main():
        task = PipelineTask(Pipeline([Idle()]), enable_rtvi=False)

        @task.event_handler("on_pipeline_started")
        async def started(task, frame):
            print("started", flush=True)

        @task.event_handler("on_pipeline_finished")
        async def finished(task, frame):
            print("finished", type(frame).__name__, flush=True)

        await PipelineRunner(handle_sigint=sys.argv[1] == "handle").run(task)
        print("exited", flush=True)

    anyio.run(main)
    """
)


def start_bot(tmp_path: Path, mode: str) -> subprocess.Popen[str]:
    script = tmp_path / "bot.py"
    script.write_text(BOT)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [sys.executable, str(script), mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    return proc


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_cancels_the_task_cleanly(tmp_path, sig):
    proc = start_bot(tmp_path, "handle")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out.split("\n")[:2] == ["finished CancelFrame", "exited"]
    assert "Traceback" not in err


def test_signals_left_alone_when_embedding(tmp_path):
    proc = start_bot(tmp_path, "embedded")
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == -signal.SIGTERM
    assert "exited" not in out


HANGING_START = textwrap.dedent(
    """
    import anyio
    from rtvi_core import FrameProcessor, Pipeline, PipelineRunner, PipelineTask

    class NeverStarts(FrameProcessor):
        async def start(self, frame):
            print("starting", flush=True)
            await anyio.sleep_forever()

    async def main():
        task = PipelineTask(Pipeline([NeverStarts()]), enable_rtvi=False)

        @task.event_handler("on_pipeline_finished")
        async def finished(task, frame):
            print("finished", type(frame).__name__, flush=True)

        await PipelineRunner().run(task)
        print("exited", flush=True)

    anyio.run(main)
    """
)


def test_sigterm_ends_a_process_whose_pipeline_never_started(tmp_path):
    script = tmp_path / "hanging.py"
    script.write_text(HANGING_START)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "starting"
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.split("\n")[:2] == ["finished CancelFrame", "exited"]
