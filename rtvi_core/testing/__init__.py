"""Test kit for bots and plugins: run a real bot in memory and talk RTVI to it.

* :func:`run_bot` / :class:`BotHarness`: a whole bot on the memory transport;
* :class:`FrameRecorder`: a pass-through processor recording the frames it sees;
* :func:`running`: a :class:`~rtvi_core.task.PipelineTask` in the background for a block;
* :func:`eventually`: wait for a condition that no frame signals;
* :func:`rtvi_core.testing.served.served_bot`: ``rtvi run`` as a child process, for
  end-to-end tests over a real socket.
"""

from .harness import BotHarness, run_bot
from .recorder import FrameRecorder
from .running import eventually, running

__all__ = ["BotHarness", "FrameRecorder", "eventually", "run_bot", "running"]
