"""``LLMContract``: the behaviour every ``LLMService`` must show, as a pytest suite.

An LLM plugin runs the whole suite against its own service by subclassing it in its
tests and overriding the ``llm`` fixture, which must return a **fresh** service::

    import pytest
    from rtvi_core.testing.contracts.llm import LLMContract
    from rtvi_openai import OpenAILLMService

    class TestOpenAIContract(LLMContract):
        timeout = 60.0

        @pytest.fixture
        def llm(self):
            return OpenAILLMService(base_url="http://127.0.0.1:8080/v1", max_tokens=32)

The tests drive the service only through real pipelines and frames
(``LLMContextFrame``, the context aggregators, ``InterruptionFrame``, a whole bot on
the memory transport), never through the plugin's internals. They cover: a streamed
reply framed by ``LLMFullResponseStartFrame``/``EndFrame``; token usage; a
multi-turn conversation; a tool call that runs the registered handler, and a reply
after a tool result; the reply reaching an RTVI client; cancellation (twice) and
interruption mid-reply, then the next turn; reuse across runs; and unusual contexts
(no messages, empty or structured content, non-ASCII text) doing no harm — any
failure must be a non-fatal ``ErrorFrame`` and the next turn must be answered.

Override the class attributes below for what differs between providers. Tool calls
use the ``tool_llm`` fixture, which defaults to ``llm``: override it to return a
service set up to call the tool (rules of a scripted LLM, or ``tool_choice``
settings for a small model), and ``tool_messages`` to steer the turn. Set
``supports_tools = False`` for a service without tools and ``reports_usage = False``
for one that cannot count tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
import pytest

from ...direction import FrameDirection
from ...frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallResultProperties,
    FunctionCallsStartedFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMMessagesAppendFrame,
    LLMTextFrame,
    MetricsFrame,
)
from ...llm_context import LLMContext
from ...metrics import LLMUsageMetricsData
from ...params import PipelineParams
from ...pipeline import Pipeline
from ...services.function_calls import FunctionCallParams
from ...services.llm import LLMService
from ...services.llm_aggregators import LLMContextAggregatorPair
from ...task import PipelineTask
from ..harness import run_bot
from ..recorder import FrameRecorder
from ..running import eventually, running

UPSTREAM = FrameDirection.UPSTREAM
DOWNSTREAM = FrameDirection.DOWNSTREAM

#: The tool the tool-call tests offer (OpenAI function format).
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "the city"}},
            "required": ["city"],
        },
    },
}

#: What the tool answers.
WEATHER_RESULT: dict[str, Any] = {"city": "Paris", "temperature_c": 21, "sky": "sunny"}


_RESPONSE_FRAMES = (LLMFullResponseStartFrame, LLMTextFrame, LLMFullResponseEndFrame)
_FRAMING_NAMES: dict[type[Frame], str] = {LLMFullResponseStartFrame: "start", LLMFullResponseEndFrame: "end"}


class Replies:
    """What runs of a service through ``errors recorder → llm → recorder`` gave."""

    def __init__(self, recorder: FrameRecorder, errors: FrameRecorder) -> None:
        self.recorder = recorder
        self.errors = errors.of(ErrorFrame, UPSTREAM)

    @property
    def texts(self) -> list[str]:
        """The text of each response, in order (``""`` for a response without text)."""
        texts: list[str] = []
        for frame in self.recorder.of((LLMFullResponseStartFrame, LLMTextFrame)):
            if isinstance(frame, LLMFullResponseStartFrame):
                texts.append("")
            elif texts:
                texts[-1] += frame.text
        return texts

    def framing(self) -> list[str]:
        """``start``/``text``/``end`` for each response frame, in order (texts collapsed)."""
        names: list[str] = []
        for frame in self.recorder.of(_RESPONSE_FRAMES):
            name = _FRAMING_NAMES.get(type(frame), "text")
            if not (name == "text" and names and names[-1] == "text"):
                names.append(name)
        return names

    def assert_no_fatal_error(self) -> None:
        """Errors, if any, are non-fatal and say something."""
        for error in self.errors:
            assert not error.fatal, f"fatal error: {error.error}"
            assert error.error.strip(), "an error without a message"


class LLMContract:
    """The LLM contract suite; subclass it and override the ``llm`` fixture."""

    #: The user message of an ordinary turn.
    prompt: str = "Say hello in one short sentence."
    #: Words (lower case) one of which the reply to ``prompt`` must contain; empty: any text.
    expected_words: Sequence[str] = ()
    #: A system message put first in every context (None: none).
    system_prompt: str | None = "You are a helpful voice assistant. Answer briefly."
    #: A user message whose reply streams long enough to be interrupted mid-way.
    long_prompt: str = "Tell me a long story about a robot who learns to paint, in many sentences."
    #: A second user turn of the multi-turn test.
    follow_up: str = "And say it once more, please."
    #: Whether the service calls tools, and the turn that must make it call ``get_weather``.
    supports_tools: bool = True
    tool_messages: Sequence[dict[str, Any]] = ({"role": "user", "content": "What is the weather like in Paris today?"},)
    #: The ``city`` argument the tool call must carry (compared case-insensitively).
    tool_city: str = "Paris"
    #: Whether the service reports token usage.
    reports_usage: bool = True
    #: Seconds any single wait may take (a first request may load a model).
    timeout: float = 10.0

    @pytest.fixture
    def llm(self) -> LLMService:
        """A fresh service; subclasses must override this fixture."""
        raise NotImplementedError("override the `llm` fixture to return a fresh LLMService")

    @pytest.fixture
    def tool_llm(self, llm: LLMService) -> LLMService:
        """The service the tool-call test uses: ``llm`` unless overridden."""
        return llm

    # -- helpers ----------------------------------------------------------------------

    def messages(self, *user_texts: str) -> list[dict[str, Any]]:
        """The system prompt (if any) and one user message per text."""
        system = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        return system + [{"role": "user", "content": text} for text in user_texts]

    def task_for(self, llm: LLMService, *, usage: bool = False) -> tuple[PipelineTask, FrameRecorder, FrameRecorder]:
        """A task running ``errors recorder → llm → recorder`` (no RTVI)."""
        errors = FrameRecorder(types=(ErrorFrame,))
        recorder = FrameRecorder()
        params = PipelineParams(enable_metrics=usage, enable_usage_metrics=usage)
        task = PipelineTask(Pipeline([errors, llm, recorder]), params=params, enable_rtvi=False)
        return task, recorder, errors

    async def infer(self, llm: LLMService, *contexts: LLMContext, usage: bool = False) -> Replies:
        """Run one inference per context, then an EndFrame, to the end of the run."""
        task, recorder, errors = self.task_for(llm, usage=usage)
        await task.queue_frames([*(LLMContextFrame(context=c) for c in contexts), EndFrame()])
        with anyio.fail_after(self.timeout * (len(contexts) + 1)):
            await task.run()
        return Replies(recorder, errors)

    async def start_long_reply(self, task: PipelineTask, recorder: FrameRecorder) -> None:
        """Ask for the reply to ``long_prompt`` and wait for its first text."""
        await task.queue_frame(LLMContextFrame(context=LLMContext(self.messages(self.long_prompt))))
        await recorder.wait_for(lambda: recorder.of(LLMTextFrame), self.timeout)

    def assert_answered(self, replies: Replies, count: int = 1) -> None:
        """``count`` complete responses with text, each framed by start and end, no errors."""
        assert not replies.errors, [e.error for e in replies.errors]
        assert replies.framing() == ["start", "text", "end"] * count, replies.framing()
        assert all(t.strip() for t in replies.texts), replies.texts

    # -- normal output ------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_streams_a_framed_reply(self, llm: LLMService) -> None:
        replies = await self.infer(llm, LLMContext(self.messages(self.prompt)))
        self.assert_answered(replies)
        assert all(f.text for f in replies.recorder.of(LLMTextFrame)), "an empty LLMTextFrame"
        if self.expected_words:
            reply = replies.texts[0].lower()
            assert any(word in reply for word in self.expected_words), reply

    @pytest.mark.anyio
    async def test_reports_token_usage(self, llm: LLMService) -> None:
        if not self.reports_usage:
            pytest.skip("the service does not report token usage")
        replies = await self.infer(llm, LLMContext(self.messages(self.prompt)), usage=True)
        self.assert_answered(replies)
        data = [d for f in replies.recorder.of(MetricsFrame) for d in f.data]
        usage = [d.value for d in data if isinstance(d, LLMUsageMetricsData)]
        assert len(usage) == 1 and usage[0] is not None, usage
        tokens = usage[0]
        assert tokens.prompt_tokens > 0 and tokens.completion_tokens > 0, tokens
        assert tokens.total_tokens >= tokens.prompt_tokens + tokens.completion_tokens

    @pytest.mark.anyio
    async def test_multi_turn_conversation(self, llm: LLMService) -> None:
        pair = LLMContextAggregatorPair(LLMContext(self.messages()))
        errors, recorder = FrameRecorder(types=(ErrorFrame,)), FrameRecorder()
        task = PipelineTask(Pipeline([errors, pair.user(), llm, recorder, pair.assistant()]), enable_rtvi=False)
        async with running(task, start_timeout=self.timeout):
            for count, text in enumerate((self.prompt, self.follow_up), 1):
                message = {"role": "user", "content": text}
                await task.queue_frame(LLMMessagesAppendFrame(messages=[message], run_llm=True))
                await recorder.wait_for(lambda: len(recorder.of(LLMFullResponseEndFrame)) >= count, self.timeout)  # noqa: B023
                await eventually(lambda: pair.context.messages[-1]["role"] == "assistant", self.timeout)
        replies = Replies(recorder, errors)
        self.assert_answered(replies, count=2)
        turns = [(m["role"], m.get("content")) for m in pair.context.messages if m["role"] != "system"]
        assert turns == [
            ("user", self.prompt),
            ("assistant", replies.texts[0]),
            ("user", self.follow_up),
            ("assistant", replies.texts[1]),
        ]

    @pytest.mark.anyio
    async def test_reply_reaches_the_rtvi_client(self, llm: LLMService) -> None:
        async with run_bot(llm=llm, with_tts=False, context=LLMContext(self.messages())) as bot:
            await bot.ready()
            await bot.request("send-text", {"content": self.prompt})
            await bot.client.wait_for_message("bot-llm-stopped", timeout=self.timeout)
        client = bot.client
        assert client.messages_of("bot-llm-started")
        text = "".join(m["data"]["text"] for m in client.messages_of("bot-llm-text"))
        assert text.strip()
        assert not client.messages_of("error"), client.messages_of("error")

    # -- tools ----------------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_calls_a_tool_and_runs_its_handler(self, tool_llm: LLMService) -> None:
        if not self.supports_tools:
            pytest.skip("the service does not call tools")
        calls: list[dict[str, Any]] = []

        async def get_weather(params: FunctionCallParams) -> None:
            calls.append(params.arguments)
            properties = FunctionCallResultProperties(run_llm=False)
            await params.result_callback(WEATHER_RESULT, properties=properties)

        tool_llm.register_function("get_weather", get_weather)
        context = LLMContext(list(self.tool_messages), tools=[WEATHER_TOOL])
        task, recorder, errors = self.task_for(tool_llm)
        async with running(task, start_timeout=self.timeout):
            await task.queue_frame(LLMContextFrame(context=context))
            await recorder.wait_for(lambda: recorder.of(FunctionCallResultFrame), self.timeout)
        replies = Replies(recorder, errors)
        assert not replies.errors, [e.error for e in replies.errors]
        assert recorder.of(FunctionCallsStartedFrame)
        announced = recorder.of(FunctionCallInProgressFrame)
        assert announced and {f.function_name for f in announced} == {"get_weather"}
        assert calls, "the handler did not run"
        for arguments in calls:
            assert str(arguments.get("city", "")).lower() == self.tool_city.lower(), arguments
        (result, *_) = recorder.of(FunctionCallResultFrame)
        assert result.result == WEATHER_RESULT
        assert result.tool_call_id in {f.tool_call_id for f in announced}
        assert replies.framing()[-1] == "end"

    @pytest.mark.anyio
    async def test_answers_after_a_tool_result(self, llm: LLMService) -> None:
        if not self.supports_tools:
            pytest.skip("the service does not call tools")
        context = LLMContext(list(self.tool_messages), tools=[WEATHER_TOOL])
        context.add_tool_call("get_weather", "call_contract_1", {"city": self.tool_city})
        context.set_tool_result("call_contract_1", WEATHER_RESULT)
        replies = await self.infer(llm, context)
        self.assert_answered(replies)

    # -- lifecycle ----------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_cancel_mid_reply(self, llm: LLMService) -> None:
        task, recorder, errors = self.task_for(llm)
        async with running(task, start_timeout=self.timeout):
            await self.start_long_reply(task, recorder)
            await task.cancel()
            await task.cancel()
        assert task.has_finished()
        assert not Replies(recorder, errors).errors

    @pytest.mark.anyio
    async def test_reusable_across_runs(self, llm: LLMService) -> None:
        first = await self.infer(llm, LLMContext(self.messages(self.prompt)))
        self.assert_answered(first)
        # A stuck second run fails at the suite's timeout (no speed is asserted: shared machines).
        with anyio.fail_after(self.timeout):
            second = await self.infer(llm, LLMContext(self.messages(self.follow_up)))
        self.assert_answered(second)

    # -- interruption -------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_interruption_ends_the_reply_and_the_next_turn_works(self, llm: LLMService) -> None:
        task, recorder, errors = self.task_for(llm)
        async with running(task, start_timeout=self.timeout):
            await self.start_long_reply(task, recorder)
            await task.queue_frame(InterruptionFrame())
            await task.queue_frame(LLMContextFrame(context=LLMContext(self.messages(self.prompt))))
            await recorder.wait_for(lambda: len(recorder.of(LLMFullResponseEndFrame)) >= 2, self.timeout)
        log: list[Frame] = [f for f, d in recorder.log if d is DOWNSTREAM]
        cut = next(i for i, f in enumerate(log) if isinstance(f, InterruptionFrame))
        assert not any(isinstance(f, LLMFullResponseEndFrame) for f in log[:cut]), (
            "the reply was complete before the interruption: make long_prompt longer "
            "or slow the service down in the fixture"
        )
        after = [type(f) for f in log[cut:] if isinstance(f, _RESPONSE_FRAMES)]
        # The cut reply ends at once (no more of its text), then the next turn is answered.
        assert after[0] is LLMFullResponseEndFrame, after
        assert after[1] is LLMFullResponseStartFrame and LLMTextFrame in after[2:], after
        assert after[-1] is LLMFullResponseEndFrame
        replies = Replies(recorder, errors)
        assert not replies.errors, [e.error for e in replies.errors]
        assert replies.texts[-1].strip()

    # -- unusual input --------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_a_context_without_messages_does_no_harm(self, llm: LLMService) -> None:
        replies = await self.infer(llm, LLMContext(), LLMContext(self.messages(self.prompt)))
        replies.assert_no_fatal_error()
        framing = replies.framing()
        # The empty context gets a reply or an error, and its response is framed anyway.
        assert framing[0] == "start", framing
        assert framing.count("start") == framing.count("end") == 2, framing
        assert framing[-3:] == ["start", "text", "end"], framing
        assert replies.texts[-1].strip()
        if not replies.texts[0].strip():
            assert replies.errors, "no reply and no error for an empty context"

    @pytest.mark.anyio
    async def test_odd_messages_do_no_harm(self, llm: LLMService) -> None:
        odd_contexts = [
            LLMContext(self.messages("")),
            LLMContext(self.messages("   \n\t")),
            LLMContext(self.messages("Grüße aus Köln! 你好 😀 — ça va?")),
            LLMContext([*self.messages(), {"role": "user", "content": [{"type": "text", "text": self.prompt}]}]),
        ]
        replies = await self.infer(llm, *odd_contexts, LLMContext(self.messages(self.prompt)))
        replies.assert_no_fatal_error()
        framing = replies.framing()
        assert framing.count("start") == framing.count("end") == len(odd_contexts) + 1, framing
        assert framing[-3:] == ["start", "text", "end"], framing
        assert replies.texts[-1].strip()
