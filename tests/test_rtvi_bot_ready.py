"""``bot-ready`` as protocol 2.2.0 has it (Pipecat 1.14): version and ``capabilities``.

The capabilities reflect the bot's real configuration: the transport's audio in/out,
no video (rtvi_core transports carry none), and the run's ``enable_metrics``; a
``PipelineTask(capabilities=...)`` overrides the fields it knows.
"""

from __future__ import annotations

import pytest

from rtvi_core.builtins.memory_transport import MemoryTransport
from rtvi_core.params import PipelineParams
from rtvi_core.pipeline import Pipeline
from rtvi_core.rtvi.messages import BotCapabilities
from rtvi_core.services.transport_params import TransportParams
from rtvi_core.task import PipelineTask
from rtvi_core.testing import run_bot, running

pytestmark = pytest.mark.anyio

NO_VIDEO = {"video_in": False, "screen_in": False, "video_out": False}


@pytest.mark.parametrize(
    ("audio_in", "audio_out", "metrics"), [(True, True, False), (False, True, True), (True, False, False)]
)
async def test_capabilities_follow_transport_params_and_metrics(audio_in, audio_out, metrics):
    transport_params = TransportParams(audio_in_enabled=audio_in, audio_out_enabled=audio_out, audio_out_realtime=False)
    async with run_bot(transport_params=transport_params, params=PipelineParams(enable_metrics=metrics)) as bot:
        ready = await bot.ready("2.1.0")
        assert ready["data"]["version"] == "2.2.0"
        assert ready["data"]["capabilities"] == {
            "audio_in": audio_in,
            "audio_out": audio_out,
            **NO_VIDEO,
            "metrics": metrics,
        }


@pytest.mark.parametrize("version", ["1.2.0", "2.0.0", "2.2.0", "3.0.0"])
async def test_every_client_gets_capabilities(version):
    async with run_bot() as bot:
        ready = await bot.ready(version)
        assert ready["data"]["version"] == (version if version.startswith("1.") else "2.2.0")
        assert ready["data"]["capabilities"]["audio_out"] is True


async def test_task_capabilities_override_the_known_fields():
    transport = MemoryTransport(TransportParams(audio_in_enabled=True))
    override = BotCapabilities(video_out=True, audio_in=False)
    task = PipelineTask(Pipeline([transport.input(), transport.output()]), capabilities=override)
    assert task.capabilities == BotCapabilities(
        audio_in=False, audio_out=False, video_in=False, screen_in=False, video_out=True, metrics=False
    )
    async with running(task):
        await transport.client.connect()
        await transport.client.send_message(
            {"label": "rtvi-ai", "type": "client-ready", "id": "r", "data": {"version": "2.2.0"}}
        )
        ready = await transport.client.wait_for_message("bot-ready")
        assert ready["data"]["capabilities"]["video_out"] is True
        assert ready["data"]["capabilities"]["audio_in"] is False


def test_without_transports_only_metrics_is_known():
    task = PipelineTask(Pipeline([]), params=PipelineParams(enable_metrics=True))
    assert task.capabilities == BotCapabilities(metrics=True)
