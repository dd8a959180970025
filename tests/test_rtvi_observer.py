"""RTVIObserver: pipeline events → RTVI messages (spec §6, §9–§11, §14.1, §17; checklist §20).

Each test runs a real task (RTVI processor at the head, memory transport) and
queues frames; the client records what it would receive.
"""

from __future__ import annotations

import itertools
import logging

import pytest
from rtvi_observer_support import DOWNSTREAM, UPSTREAM, Emit, Emitter, audio, observed, tone

from rtvi_core.frames import (
    BotStartedSpeakingFrame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
    OutputTransportMessageUrgentFrame,
    TranscriptionFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    UserMuteStartedFrame,
    UserMuteStoppedFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from rtvi_core.metrics import (
    LLMTokenUsage,
    LLMUsageMetricsData,
    MetricsData,
    ProcessingMetricsData,
    STTUsageMetricsData,
    TTFBMetricsData,
    TTSUsageMetricsData,
)
from rtvi_core.params import PipelineParams
from rtvi_core.rtvi.audio_level import AudioLevelMeter, level_from_mean_square
from rtvi_core.rtvi.frames import (
    RTVIClientMessage,
    RTVIObserverConfigFrame,
    RTVIServerMessageFrame,
    RTVIServerResponseFrame,
    RTVIUICommandFrame,
    RTVIUIJobGroupFrame,
)
from rtvi_core.rtvi.observer import RTVIObserver
from rtvi_core.rtvi.observer_params import RTVIObserverParams
from rtvi_core.services.llm_context import LLMContext

pytestmark = pytest.mark.anyio


# -- speaking, interruptions (items 7, 38, 49 order) ----------------------------------------


async def test_item7_payloadless_events_have_no_data_or_id() -> None:
    async with observed() as s:
        await s.queue(UserStartedSpeakingFrame(), audio(), TTSStoppedFrame())
        await s.wait_for("bot-stopped-speaking")
        for msg_type in ("user-started-speaking", "bot-started-speaking", "bot-stopped-speaking"):
            (msg,) = s.events(msg_type)
            assert msg == {"type": msg_type, "label": "rtvi-ai"}


async def test_item38_user_started_speaking_precedes_bot_interrupted() -> None:
    async with observed() as s:
        await s.queue(UserStartedSpeakingFrame(), InterruptionFrame(), UserStoppedSpeakingFrame())
        await s.sync()
        assert s.types() == ["user-started-speaking", "bot-interrupted", "user-stopped-speaking"]


async def test_broadcast_frames_are_reported_once_from_the_downstream_copy() -> None:
    emitter = Emitter()
    both = [
        (UserStartedSpeakingFrame(), DOWNSTREAM),
        (UserStartedSpeakingFrame(), UPSTREAM),
        (BotStartedSpeakingFrame(), UPSTREAM),  # upstream only: not reported
    ]
    async with observed(processors=[emitter]) as s:
        await s.queue(Emit(both))
        await s.sync()
        # The output transport broadcasts its own speaking frames both ways too.
        await s.queue(audio(), TTSStoppedFrame())
        await s.wait_for("bot-stopped-speaking")
        await s.sync()
        speaking = ("user-started-speaking", "bot-started-speaking", "bot-stopped-speaking")
        assert s.types(*speaking) == list(speaking)


async def test_user_mute_events_and_flag() -> None:
    async with observed() as s:
        await s.queue(UserMuteStartedFrame(), UserMuteStoppedFrame())
        await s.sync()
        assert s.types() == ["user-mute-started", "user-mute-stopped"]
    async with observed(RTVIObserverParams(user_mute_enabled=False, user_speaking_enabled=False)) as s:
        await s.queue(UserMuteStartedFrame(), UserStartedSpeakingFrame())
        await s.sync()
        assert s.types() == []


async def test_bot_speaking_flag_hides_speaking_and_interrupted() -> None:
    async with observed(RTVIObserverParams(bot_speaking_enabled=False)) as s:
        await s.queue(InterruptionFrame(), audio(), TTSStoppedFrame())
        await s.sync()
        assert s.types("bot-interrupted", "bot-started-speaking", "bot-stopped-speaking") == []


# -- VAD (item 56) --------------------------------------------------------------------------


async def test_item56_vad_events_off_by_default_and_switchable_at_run_time() -> None:
    async with observed() as s:
        await s.queue(VADUserStartedSpeakingFrame(), VADUserStoppedSpeakingFrame())
        await s.sync()
        assert s.types() == []
        await s.queue(RTVIObserverConfigFrame(vad_user_speaking_enabled=True))
        await s.sync()
        await s.queue(VADUserStartedSpeakingFrame(), UserStartedSpeakingFrame(), VADUserStoppedSpeakingFrame())
        await s.sync()
        assert s.types() == [
            "vad-user-started-speaking",
            "user-started-speaking",
            "vad-user-stopped-speaking",
        ]


async def test_item56_vad_events_enabled_by_params() -> None:
    async with observed(RTVIObserverParams(vad_user_speaking_enabled=True)) as s:
        await s.queue(VADUserStartedSpeakingFrame(), VADUserStoppedSpeakingFrame())
        await s.sync()
        assert s.types() == ["vad-user-started-speaking", "vad-user-stopped-speaking"]


# -- user text (items 39, 40) ----------------------------------------------------------------


async def test_item39_user_transcription_interim_and_final() -> None:
    stamp = "2026-08-21T16:51:30.123+00:00"
    async with observed() as s:
        await s.queue(
            InterimTranscriptionFrame(text="hel", user_id="u1", timestamp=stamp),
            TranscriptionFrame(text="hello", user_id="u1", timestamp=stamp),
        )
        await s.sync()
        assert [m["data"] for m in s.events("user-transcription")] == [
            {"text": "hel", "user_id": "u1", "timestamp": stamp, "final": False},
            {"text": "hello", "user_id": "u1", "timestamp": stamp, "final": True},
        ]


async def test_item40_user_llm_text_from_the_last_user_message() -> None:
    def context(*messages: dict) -> LLMContextFrame:
        return LLMContextFrame(context=LLMContext(list(messages)))

    parts = [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {}},
        {"type": "text", "text": "here"},
    ]
    async with observed() as s:
        await s.queue(
            context({"role": "system", "content": "be nice"}, {"role": "user", "content": "hi there"}),
            context({"role": "user", "content": parts}),
            context({"role": "user", "content": "x"}, {"role": "tool", "content": "42"}),
            context(),
        )
        await s.sync()
        assert [m["data"] for m in s.events()] == [{"text": "hi there"}, {"text": "look here"}]


# -- bot LLM text (item 41) ---------------------------------------------------------------------


async def test_item41_llm_events_in_order_with_deprecated_bot_transcription() -> None:
    async with observed() as s:
        await s.queue(
            LLMFullResponseStartFrame(),
            LLMTextFrame(text="Hello"),
            LLMTextFrame(text=" there."),
            LLMTextFrame(text=" How are"),
            LLMTextFrame(text=" you?"),
            LLMTextFrame(text=" Bye"),
            LLMFullResponseEndFrame(),
        )
        await s.sync()
        assert [(m["type"], m.get("data", {}).get("text")) for m in s.events()] == [
            ("bot-llm-started", None),
            ("bot-llm-text", "Hello"),
            ("bot-llm-text", " there."),
            ("bot-transcription", "Hello there."),
            ("bot-llm-text", " How are"),
            ("bot-llm-text", " you?"),
            ("bot-transcription", " How are you?"),
            ("bot-llm-text", " Bye"),
            ("bot-transcription", " Bye"),
            ("bot-llm-stopped", None),
        ]


async def test_bot_llm_flag_off_sends_no_llm_events() -> None:
    async with observed(RTVIObserverParams(bot_llm_enabled=False)) as s:
        await s.queue(LLMFullResponseStartFrame(), LLMTextFrame(text="Hi."), LLMFullResponseEndFrame())
        await s.sync()
        assert s.types() == []


RESPONSE = (
    LLMFullResponseStartFrame(),
    LLMTextFrame(text="Hi"),
    LLMTextFrame(text=" there."),
    LLMFullResponseEndFrame(),
)


@pytest.mark.parametrize(("version", "raw"), [(None, False), ("1.2.0", False), ("2.1.0", False), ("2.2.0", True)])
async def test_llm_raw_text_only_for_2_2_clients_before_each_bot_llm_text(version, raw) -> None:
    async with observed(RTVIObserverParams(llm_raw_text_enabled=True)) as s:
        if version is not None:
            await s.ready(version)
        await s.queue(*RESPONSE)
        await s.sync()
        await s.client.wait_for_message("bot-llm-stopped", timeout=10)  # the last report (the marker can pass it)
        chunks = [
            ("llm-raw-text", "Hi"),
            ("bot-llm-text", "Hi"),
            ("llm-raw-text", " there."),
            ("bot-llm-text", " there."),
        ]
        expected = [
            ("bot-llm-started", None),
            *(chunk for chunk in chunks if raw or chunk[0] == "bot-llm-text"),
            ("bot-transcription", "Hi there."),
            ("bot-llm-stopped", None),
        ]
        assert [(m["type"], m.get("data", {}).get("text")) for m in s.events()] == expected


async def test_llm_raw_text_without_the_bot_llm_events() -> None:
    async with observed(RTVIObserverParams(bot_llm_enabled=False, llm_raw_text_enabled=True)) as s:
        await s.ready("2.2.0")
        await s.queue(*RESPONSE)
        await s.sync()
        assert [(m["type"], m["data"]["text"]) for m in s.events()] == [
            ("llm-raw-text", "Hi"),
            ("llm-raw-text", " there."),
        ]


async def test_item42_tts_started_precedes_bot_started_speaking() -> None:
    async with observed() as s:
        await s.queue(TTSStartedFrame(), audio(), TTSStoppedFrame())
        await s.wait_for("bot-stopped-speaking")
        types = s.types()
        assert types.index("bot-tts-started") < types.index("bot-started-speaking")
        assert "bot-tts-stopped" in types
    async with observed(RTVIObserverParams(bot_tts_enabled=False)) as s:
        await s.queue(TTSStartedFrame(), TTSStoppedFrame())
        await s.sync()
        assert s.types() == []


# -- ignored sources ----------------------------------------------------------------------


async def test_ignored_sources_are_not_reported_and_can_be_changed() -> None:
    emitter = Emitter()
    async with observed(RTVIObserverParams(ignored_sources=[emitter]), processors=[emitter]) as s:
        observer = s.task.rtvi_observer
        assert isinstance(observer, RTVIObserver)
        # Not reported even when later hops (output transport) push the frame on.
        await s.queue(Emit([(LLMTextFrame(text="secret"), DOWNSTREAM)]))
        await s.sync()
        assert s.types() == []
        observer.remove_ignored_source(emitter)
        await s.queue(Emit([(LLMTextFrame(text="public"), DOWNSTREAM)]))
        await s.sync()
        observer.add_ignored_source(emitter)
        await s.queue(Emit([(LLMTextFrame(text="secret"), DOWNSTREAM)]))
        await s.sync()
        assert [m["data"]["text"] for m in s.events()] == ["public"]


# -- metrics (items 53, 54) -------------------------------------------------------------------


async def test_item53_metrics_shapes() -> None:
    records: list[MetricsData] = [
        TTFBMetricsData("LLM#0", "gpt-x", 0.412),
        TTFBMetricsData("TTS#0", None, 0.2),
        ProcessingMetricsData("LLM#0", "gpt-x", 1.5),
        LLMUsageMetricsData("LLM#0", "gpt-x", LLMTokenUsage(812, 37, 849)),
        LLMUsageMetricsData("LLM#0", None, LLMTokenUsage(1, 2, 3, cache_read_input_tokens=4, reasoning_tokens=5)),
        TTSUsageMetricsData("TTS#0", "voice", 42),
        STTUsageMetricsData("STT#0", "whisper", 1.25),
    ]
    async with observed() as s:
        await s.queue(MetricsFrame(data=records), MetricsFrame(data=[MetricsData("VAD#0")]))
        await s.sync()
        first, second = s.events("metrics")
        assert first["data"] == {
            "ttfb": [
                {"processor": "LLM#0", "model": "gpt-x", "value": 0.412},
                {"processor": "TTS#0", "value": 0.2},
            ],
            "processing": [{"processor": "LLM#0", "model": "gpt-x", "value": 1.5}],
            "tokens": [
                {"prompt_tokens": 812, "completion_tokens": 37, "total_tokens": 849},
                {
                    "prompt_tokens": 1,
                    "completion_tokens": 2,
                    "total_tokens": 3,
                    "cache_read_input_tokens": 4,
                    "reasoning_tokens": 5,
                },
            ],
            "characters": [{"processor": "TTS#0", "model": "voice", "value": 42}],
            "stt_usage": [{"processor": "STT#0", "model": "whisper", "value": {"audio_seconds": 1.25}}],
        }
        assert second["data"] == {}  # only unknown kinds: dropped


class _MetricsCapable(Emitter):
    def can_generate_metrics(self) -> bool:
        return True


async def test_item54_initial_empty_metrics_list_metrics_capable_processors() -> None:
    capable = _MetricsCapable(name="Capable#0")
    async with observed(processors=[capable], params=PipelineParams(enable_metrics=True)) as s:
        msg = await s.wait_for("metrics")
        assert msg["data"] == {
            "ttfb": [{"processor": "Capable#0", "value": 0.0}],
            "processing": [{"processor": "Capable#0", "value": 0.0}],
        }


async def test_metrics_flag_off() -> None:
    async with observed(RTVIObserverParams(metrics_enabled=False)) as s:
        await s.queue(MetricsFrame(data=[TTFBMetricsData("LLM#0", None, 0.1)]))
        await s.sync()
        assert s.events("metrics") == []


# -- app and UI messages (item 58) ---------------------------------------------------------------


async def test_item58_server_message_from_either_direction() -> None:
    emitter = Emitter()
    async with observed(processors=[emitter]) as s:
        await s.queue(RTVIServerMessageFrame(data={"a": 1}))
        await s.queue(Emit([(RTVIServerMessageFrame(data=[2]), UPSTREAM)]))
        await s.sync()
        assert s.events() == [
            {"type": "server-message", "label": "rtvi-ai", "data": {"a": 1}},
            {"type": "server-message", "label": "rtvi-ai", "data": [2]},
        ]


async def test_server_response_and_error_response_frames() -> None:
    request = RTVIClientMessage(msg_id="m1", type="ping", data={"x": 1})
    async with observed() as s:
        await s.queue(
            RTVIServerResponseFrame(client_msg=request, data={"pong": True}),
            RTVIServerResponseFrame(client_msg=request),
            RTVIServerResponseFrame(client_msg=request, error="nope"),
        )
        await s.sync()
        assert s.events() == [
            {
                "type": "server-response",
                "label": "rtvi-ai",
                "id": "m1",
                "data": {"t": "ping", "d": {"pong": True}},
            },
            {"type": "server-response", "label": "rtvi-ai", "id": "m1", "data": {"t": "ping"}},
            {"type": "error-response", "label": "rtvi-ai", "id": "m1", "data": {"error": "nope"}},
        ]


async def test_ui_command_and_job_group() -> None:
    group = {"kind": "group_started", "job_id": "j1", "cancellable": True, "at": 5}
    async with observed() as s:
        await s.queue(
            RTVIUICommandFrame(command="scroll_to", payload={"ref": "e1"}),
            RTVIUICommandFrame(command="focus"),
            RTVIUIJobGroupFrame(data=group),
        )
        await s.sync()
        assert [(m["type"], m["data"]) for m in s.events()] == [
            ("ui-command", {"command": "scroll_to", "payload": {"ref": "e1"}}),
            ("ui-command", {"command": "focus"}),
            ("ui-job-group", group),
        ]


# -- audio levels (item 57) ------------------------------------------------------------------


def test_item57_audio_level_meter_window_period_and_bounds() -> None:
    meter = AudioLevelMeter(period_secs=0.15)
    loud = tone(0.02, 16000, amplitude=1.0)
    ms = 1_000_000
    reports = []
    for i in range(40):  # 0.8 s of audio, one 20 ms frame every 20 ms of pipeline time
        value = meter.add(loud, 16000, 1, now_ns=i * 20 * ms)
        if value is not None:
            reports.append((i * 20 * ms, value))
    times = [t for t, _ in reports]
    assert times[0] == 0 and all(b - a > 150 * ms for a, b in itertools.pairwise(times))
    assert all(0.0 <= v <= 1.0 for _, v in reports)
    assert reports[0][1] == 0.0  # window not full yet
    assert reports[-1][1] > 0.9  # full-scale sine: about -3.7 dB → 0.96
    assert meter.add(b"", 16000, 1, now_ns=10_000 * ms) == reports[-1][1]
    assert level_from_mean_square(0.0) == 0.0
    assert level_from_mean_square(1e-30) == 0.0  # clamped
    assert level_from_mean_square(32768.0**2 * 100) == 1.0  # clamped


async def test_item57_user_and_bot_audio_levels_in_the_pipeline() -> None:
    params = RTVIObserverParams(
        user_audio_level_enabled=True, bot_audio_level_enabled=True, audio_level_period_secs=0.0
    )
    async with observed(params) as s:
        for _ in range(25):
            await s.queue(InputAudioRawFrame(audio=tone(0.02, 16000), sample_rate=16000, num_channels=1))
        await s.queue(*(audio(0.04) for _ in range(12)), TTSStoppedFrame())
        await s.wait_for("bot-stopped-speaking")
        user = [m["data"]["value"] for m in s.events("user-audio-level")]
        bot = [m["data"]["value"] for m in s.events("bot-audio-level")]
        # One per frame (period 0), reported once although frames cross several hops.
        assert len(user) == 25 and len(bot) == 12
        assert all(0.0 <= v <= 1.0 for v in user + bot)
        assert user[0] == 0.0 and user[-1] > 0.8 and bot[-1] > 0.8


async def test_audio_levels_off_by_default() -> None:
    async with observed() as s:
        await s.queue(InputAudioRawFrame(audio=tone(0.02, 16000), sample_rate=16000, num_channels=1))
        await s.queue(audio(), TTSStoppedFrame())
        await s.wait_for("bot-stopped-speaking")
        assert s.events("user-audio-level", "bot-audio-level") == []
        assert InputAudioRawFrame not in s.task.rtvi_observer.frame_types


# -- system logs ---------------------------------------------------------------------------------


class _LogsEveryMessage(Emitter):
    """Logs each urgent message it passes on: forwarding must not feed itself."""

    async def process_frame(self, frame, direction) -> None:
        if isinstance(frame, OutputTransportMessageUrgentFrame):
            logging.getLogger("rtvi_core.tests.echo").warning("passing %s", frame)
        await super().process_frame(frame, direction)


async def test_system_logs_forward_rtvi_core_log_lines_once() -> None:
    params = RTVIObserverParams(system_logs_enabled=True)
    async with observed(params, processors=[_LogsEveryMessage()]) as s:
        logging.getLogger("rtvi_core.tests").warning("hello %s", "logs")
        logging.getLogger("elsewhere").warning("not forwarded")
        msg = await s.wait_for("system-log")
        assert "hello logs" in msg["data"]["text"]
        await s.sync()
        assert [m["data"]["text"] for m in s.events("system-log")] == [msg["data"]["text"]]
    assert not any(type(h).__name__ == "_LogForwarder" for h in logging.getLogger("rtvi_core").handlers)
