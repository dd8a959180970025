"""How the RTVI processor schedules client messages: in the caller's task when nothing
is pending, otherwise in order behind the message being handled, with a bounded backlog."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from rtvi_core import Pipeline, PipelineParams, PipelineTask
from rtvi_core.frames import OutputTransportMessageUrgentFrame
from rtvi_core.rtvi import processor as rtvi_processor
from rtvi_core.rtvi.frames import RTVIClientMessageFrame, RTVIUIMessageFrame
from rtvi_core.testing import FrameRecorder, eventually, running

pytestmark = pytest.mark.anyio


def envelope(msg_type: str, msg_id: str, data: Any = None) -> dict[str, Any]:
    return {"label": "rtvi-ai", "type": msg_type, "id": msg_id, "data": data}


def client_message(msg_id: str) -> dict[str, Any]:
    return envelope("client-message", msg_id, {"t": "ping"})


def make_task() -> tuple[PipelineTask, FrameRecorder]:
    recorder = FrameRecorder(types=(RTVIClientMessageFrame, RTVIUIMessageFrame, OutputTransportMessageUrgentFrame))
    task = PipelineTask(Pipeline([recorder]), params=PipelineParams(send_initial_empty_metrics=False))
    return task, recorder


def handled_ids(recorder: FrameRecorder) -> list[str]:
    return [f.msg_id for f in recorder.of((RTVIClientMessageFrame, RTVIUIMessageFrame))]


async def test_a_client_or_ui_message_is_handled_before_handle_message_returns():
    task, recorder = make_task()
    async with running(task):
        await task.rtvi.handle_message(client_message("c1"))
        assert handled_ids(recorder) == ["c1"]
        await task.rtvi.handle_message(envelope("ui-event", "u1", {"event": "click", "payload": {}}))
        assert handled_ids(recorder) == ["c1", "u1"]


async def test_messages_wait_in_order_behind_a_slow_client_ready_without_blocking_the_caller():
    task, recorder = make_task()
    release = anyio.Event()
    order: list[str] = []

    @task.rtvi.event_handler("on_client_ready")
    async def slow_ready(rtvi):
        await release.wait()
        order.append("ready done")

    @task.rtvi.event_handler("on_client_message")
    async def on_message(rtvi, msg):
        order.append(msg.msg_id)

    async with running(task):
        with anyio.fail_after(1):  # the caller is not held up by the slow handler
            await task.rtvi.handle_message(envelope("client-ready", "r", {"version": "2.1.0"}))
            await task.rtvi.handle_message(client_message("c1"))
            await task.rtvi.handle_message(client_message("c2"))
        assert handled_ids(recorder) == []
        release.set()
        await eventually(lambda: order == ["ready done", "c1", "c2"])
        # Idle again: the next message is handled in line.
        await task.rtvi.handle_message(client_message("c3"))
        assert handled_ids(recorder) == ["c1", "c2", "c3"]


async def test_a_full_backlog_drops_the_message_with_an_error(monkeypatch):
    monkeypatch.setattr(rtvi_processor, "MAX_PENDING_MESSAGES", 2)
    task, recorder = make_task()
    release = anyio.Event()

    @task.rtvi.event_handler("on_client_ready")
    async def slow_ready(rtvi):
        await release.wait()

    async with running(task):
        await task.rtvi.handle_message(envelope("client-ready", "r", {"version": "2.1.0"}))
        for msg_id in ("c1", "c2", "c3"):
            await task.rtvi.handle_message(client_message(msg_id))
        errors = [
            f.message.data.error
            for f in recorder.of(OutputTransportMessageUrgentFrame)
            if getattr(f.message, "type", "") == "error"
        ]
        assert errors == ["Too many pending RTVI messages: message dropped"]
        release.set()
        await eventually(lambda: handled_ids(recorder) == ["c1", "c2"])


@pytest.mark.parametrize("bad_type", [[1], {"a": 1}, 7, None])
async def test_an_envelope_of_the_wrong_type_is_answered_in_turn_and_wedges_nothing(bad_type):
    task, recorder = make_task()
    async with running(task):
        await task.rtvi.handle_message({"label": "rtvi-ai", "type": bad_type, "id": "bad"})
        await task.rtvi.handle_message(client_message("c1"))
        await eventually(lambda: handled_ids(recorder) == ["c1"])
    (error,) = [f.message for f in recorder.of(OutputTransportMessageUrgentFrame)]
    assert error.type == "error" and error.data.error.startswith("Invalid RTVI transport message: Expected `str`")
