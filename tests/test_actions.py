"""Custom actions answering real RTVI ``client-message`` requests through a running bot."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest
from pydantic import BaseModel, Field

from rtvi_core.actions import (
    Action,
    ActionContext,
    ActionDispatcher,
    ActionError,
    action,
    tool_schema,
)
from rtvi_core.builtins.echo_llm import EchoLLMService, ToolRule
from rtvi_core.frames import TextFrame
from rtvi_core.rtvi.observer_params import RTVIObserverParams
from rtvi_core.testing import FrameRecorder, run_bot

pytestmark = pytest.mark.anyio


class DiceArgs(BaseModel):
    sides: int = Field(6, ge=2, le=100, description="number of faces")
    count: int = Field(1, ge=1, le=10)


@action("dice", args=DiceArgs, llm_tool=True)
async def dice(ctx: ActionContext, args: DiceArgs) -> dict[str, Any]:
    """Roll dice (deterministically: every die shows its highest face)."""
    return {"rolls": [args.sides] * args.count, "total": args.sides * args.count}


class EchoArgs(BaseModel):
    text: str


@action("echo", args=EchoArgs)
async def echo(ctx: ActionContext, args: EchoArgs) -> str:
    return args.text


@action("boom")
async def boom(ctx: ActionContext, args: Any) -> None:
    raise RuntimeError("kaboom")


@action("sleepy", timeout_secs=0.05)
async def sleepy(ctx: ActionContext, args: Any) -> None:
    await anyio.sleep_forever()


async def client_message(h: Any, t: str, d: Any = None, *, msg_id: str | None = None) -> dict[str, Any]:
    """Send ``client-message`` ``{t, d}`` and return the reply with the same id."""
    data: dict[str, Any] = {"t": t}
    if d is not None:
        data["d"] = d
    msg_id = await h.request("client-message", data, msg_id=msg_id)
    return await h.reply_to(msg_id)


def error_of(reply: dict[str, Any]) -> str:
    assert reply["type"] == "error-response", reply
    return reply["data"]["error"]


async def test_action_answers_with_server_response_with_same_id_and_type() -> None:
    async with run_bot(with_tts=False) as h:
        ActionDispatcher([dice, echo]).attach(h.task)
        await h.ready()
        reply = await client_message(h, "dice", {"sides": 20, "count": 2}, msg_id="req-1")
        assert reply == {
            "label": "rtvi-ai",
            "type": "server-response",
            "id": "req-1",
            "data": {"t": "dice", "d": {"rolls": [20, 20], "total": 40}},
        }
        # A missing ``d`` validates as {}: the model's defaults apply.
        assert (await client_message(h, "dice"))["data"]["d"] == {"rolls": [6], "total": 6}


async def test_invalid_arguments_give_error_response_naming_the_fields_and_session_goes_on() -> None:
    async with run_bot(with_tts=False) as h:
        ActionDispatcher([dice, echo]).attach(h.task)
        reply = await client_message(h, "dice", {"sides": 500}, msg_id="bad-1")
        assert reply["id"] == "bad-1"
        assert error_of(reply) == ("Invalid arguments for 'dice': sides: Input should be less than or equal to 100")
        reply = await client_message(h, "dice", {"sides": "many", "count": 0})
        assert error_of(reply) == (
            "Invalid arguments for 'dice': sides: Input should be a valid integer, unable to "
            "parse string as an integer; count: Input should be greater than or equal to 1"
        )
        assert error_of(await client_message(h, "echo", {})) == ("Invalid arguments for 'echo': text: Field required")
        assert error_of(await client_message(h, "echo", ["not", "an", "object"])) == (
            "Invalid arguments for 'echo': Input should be a valid dictionary or instance of EchoArgs"
        )
        reply = await client_message(h, "echo", {"text": "still here"})
        assert reply["data"] == {"t": "echo", "d": "still here"}


async def test_exception_gives_error_response_without_traceback_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with run_bot(with_tts=False) as h:
        ActionDispatcher([boom, echo]).attach(h.task)
        with caplog.at_level(logging.ERROR, logger="rtvi_core.actions"):
            reply = await client_message(h, "boom", {"any": "thing"})
        assert error_of(reply) == "Action 'boom' failed: kaboom"
        assert "Traceback" not in str(h.client.messages)
        logged = [r for r in caplog.records if r.name == "rtvi_core.actions"]
        assert logged and logged[0].exc_info and isinstance(logged[0].exc_info[1], RuntimeError)
        assert (await client_message(h, "echo", {"text": "ok"}))["type"] == "server-response"


async def test_action_error_raised_by_the_handler_is_sent_as_is() -> None:
    @action("strict")
    async def strict(ctx: ActionContext, args: Any) -> None:
        raise ActionError("Nope: not today")

    async with run_bot(with_tts=False) as h:
        ActionDispatcher([strict]).attach(h.task)
        assert error_of(await client_message(h, "strict")) == "Nope: not today"


async def test_timeout_gives_error_response_and_session_goes_on() -> None:
    async with run_bot(with_tts=False) as h:
        ActionDispatcher([sleepy, echo]).attach(h.task)
        reply = await client_message(h, "sleepy", msg_id="slow-1")
        assert reply["id"] == "slow-1"
        assert error_of(reply) == "Action 'sleepy' timed out after 0.05 s"
        assert (await client_message(h, "echo", {"text": "after"}))["data"]["d"] == "after"


async def test_unknown_type_gives_error_response_and_session_goes_on() -> None:
    async with run_bot(with_tts=False) as h:
        ActionDispatcher([echo]).attach(h.task)
        reply = await client_message(h, "no-such-thing", {"x": 1}, msg_id="u1")
        assert reply["id"] == "u1"
        assert error_of(reply) == "Unknown client message type 'no-such-thing'"
        assert (await client_message(h, "echo", {"text": "hi"}))["type"] == "server-response"


async def test_unknown_type_left_to_the_app_when_asked() -> None:
    async with run_bot(with_tts=False) as h:
        ActionDispatcher([echo], reply_to_unknown=False).attach(h.task)

        @h.task.rtvi.event_handler("on_client_message")
        async def own(rtvi: Any, msg: Any) -> None:
            if msg.type == "legacy":
                await rtvi.send_server_response(msg, "handled by the app")

        reply = await client_message(h, "legacy")
        assert reply["data"] == {"t": "legacy", "d": "handled by the app"}
        assert h.client.messages_of("error-response") == []


async def test_a_slow_action_does_not_block_a_fast_one() -> None:
    release = anyio.Event()

    @action("slow")
    async def slow(ctx: ActionContext, args: Any) -> str:
        await release.wait()
        return "slow done"

    async with run_bot(with_tts=False) as h:
        ActionDispatcher([slow, echo]).attach(h.task)
        slow_id = await h.request("client-message", {"t": "slow"})
        fast = await client_message(h, "echo", {"text": "fast"})
        assert fast["data"]["d"] == "fast"
        replies = [m for m in h.client.messages if m.get("type") == "server-response"]
        assert [m["id"] for m in replies] == [fast["id"]]  # the slow one is still running
        release.set()
        assert (await h.reply_to(slow_id))["data"] == {"t": "slow", "d": "slow done"}
        ids = [m["id"] for m in h.client.messages if m.get("type") == "server-response"]
        assert ids == [fast["id"], slow_id]


async def test_context_pushes_frames_sends_server_messages_and_reads_config() -> None:
    class Greeting(BaseModel):
        model_config = {"extra": "forbid"}
        prefix: str = "Hi"

    @action("greet", args=EchoArgs, config=Greeting)
    async def greet(ctx: ActionContext, args: EchoArgs) -> dict[str, Any]:
        text = f"{ctx.config.prefix} {args.text}"
        await ctx.send_server_message({"progress": "greeting"})
        await ctx.push_frame(TextFrame(text=text))
        assert ctx.client_msg is not None and ctx.function_call is None
        return {"said": text, "session": ctx.session, "has_context": ctx.llm_context is not None}

    recorder = FrameRecorder(types=(TextFrame,))
    async with run_bot(with_tts=False, extra=[recorder]) as h:
        configured = greet.from_config(Greeting(prefix="Hello"))
        ActionDispatcher([configured], context=h.context, session="s-1").attach(h.task)
        reply = await client_message(h, "greet", {"text": "Ada"})
        assert reply["data"]["d"] == {"said": "Hello Ada", "session": "s-1", "has_context": True}
        await recorder.wait_for(lambda: "Hello Ada" in recorder.texts())
        server_messages = h.client.messages_of("server-message")
        assert [m["data"] for m in server_messages] == [{"progress": "greeting"}]
        order = [m["type"] for m in h.client.messages if m["type"] in ("server-message", "server-response")]
        assert order == ["server-message", "server-response"]
    assert greet.config is None  # from_config returns a bound copy


async def test_a_none_result_is_a_server_response_without_d() -> None:
    @action("noop")
    async def noop(ctx: ActionContext, args: Any) -> None:
        assert args == {"raw": True}  # no args model: ``d`` unchanged

    async with run_bot(with_tts=False) as h:
        ActionDispatcher([noop]).attach(h.task)
        reply = await client_message(h, "noop", {"raw": True})
        assert (reply["type"], reply["data"]) == ("server-response", {"t": "noop"})


async def test_pydantic_results_are_dumped_and_non_json_results_are_an_error() -> None:
    class Reply(BaseModel):
        when: str
        values: tuple[int, ...]

    @action("model")
    async def model(ctx: ActionContext, args: Any) -> Reply:
        return Reply(when="now", values=(1, 2))

    @action("opaque")
    async def opaque(ctx: ActionContext, args: Any) -> object:
        return object()

    async with run_bot(with_tts=False) as h:
        ActionDispatcher([model, opaque]).attach(h.task)
        assert (await client_message(h, "model"))["data"]["d"] == {"when": "now", "values": [1, 2]}
        assert error_of(await client_message(h, "opaque")) == (
            "Action 'opaque' failed: its result is not JSON-serializable"
        )


async def test_llm_tool_action_runs_on_a_tool_call_and_the_result_flows_back() -> None:
    llm = EchoLLMService(tool_rules=[ToolRule(r"roll a d(\d+)", "dice", {"sides": "{1}"})])
    observer = RTVIObserverParams(function_call_report_level={"*": "full"})
    async with run_bot(llm=llm, with_tts=False, observer_params=observer) as h:
        ActionDispatcher([dice, echo], llm=llm, context=h.context).attach(h.task)
        assert [tool["function"]["name"] for tool in h.context.tools] == ["dice"]
        await h.ready()
        await h.request("send-text", {"content": "roll a d12", "options": {}})
        stopped = await h.client.wait_for_message("llm-function-call-stopped")
        assert stopped["data"]["function_name"] == "dice"
        assert stopped["data"]["cancelled"] is False
        assert stopped["data"]["result"] == {"rolls": [12], "total": 12}
        await h.client.wait_for(
            lambda: "dice returned" in "".join(m["data"]["text"] for m in h.client.messages_of("bot-llm-text")) or None
        )
        text = "".join(m["data"]["text"] for m in h.client.messages_of("bot-llm-text"))
        assert text == 'dice returned: {"rolls": [12], "total": 12}'
        # The same action still answers client requests.
        assert (await client_message(h, "dice", {"sides": 3}))["data"]["d"]["total"] == 3


async def test_llm_tool_failure_is_reported_to_the_llm_as_an_error_result() -> None:
    llm = EchoLLMService(tool_rules=[ToolRule(r"roll a d(\d+)", "dice", {"sides": "{1}"})])
    observer = RTVIObserverParams(function_call_report_level={"*": "full"})
    async with run_bot(llm=llm, with_tts=False, observer_params=observer) as h:
        ActionDispatcher([dice], llm=llm, context=h.context).attach(h.task)
        await h.request("send-text", {"content": "roll a d1000", "options": {}})
        stopped = await h.client.wait_for_message("llm-function-call-stopped")
        assert stopped["data"]["result"] == {
            "error": "Invalid arguments for 'dice': sides: Input should be less than or equal to 100"
        }


async def test_tool_schema_is_the_openai_function_format_with_the_args_schema() -> None:
    assert tool_schema(dice) == {
        "type": "function",
        "function": {
            "name": "dice",
            "description": "Roll dice (deterministically: every die shows its highest face).",
            "parameters": DiceArgs.model_json_schema(),
        },
    }
    assert tool_schema(action("bare", llm_tool=True)(boom.handler))["function"]["parameters"] == {
        "type": "object",
        "properties": {},
    }


async def test_existing_tools_are_kept_and_same_named_ones_replaced() -> None:
    other = {"type": "function", "function": {"name": "weather", "parameters": {}}}
    stale = {"type": "function", "function": {"name": "dice", "parameters": {}}}
    llm = EchoLLMService()
    async with run_bot(llm=llm, with_tts=False) as h:
        h.context.set_tools([other, stale])
        ActionDispatcher([dice], llm=llm, context=h.context).attach(h.task)
        assert h.context.tools == [other, tool_schema(dice)]
        assert llm.has_function("dice")


def test_action_definition_errors() -> None:
    with pytest.raises(ValueError, match="two actions are named 'echo'"):
        ActionDispatcher([echo, echo])

    class Needs(BaseModel):
        api_key: str

    needy = action("needy", config=Needs)(echo.handler)
    with pytest.raises(ValueError, match="action 'needy' needs configuration: api_key: Field required"):
        ActionDispatcher([needy])
    ActionDispatcher([needy.from_config(Needs(api_key="k"))])
    with pytest.raises(ValueError, match="cannot be an LLM tool"):
        action("has space", llm_tool=True)(echo.handler)
    with pytest.raises(ValueError, match="non-empty name"):
        action("")(echo.handler)
    with pytest.raises(ValueError, match="timeout_secs must be positive"):
        action("x", timeout_secs=0)(echo.handler)


def test_action_carries_the_registry_attributes() -> None:
    assert isinstance(dice, Action)
    assert (dice.PLUGIN_NAME, dice.name, dice.DESCRIPTION) == (
        "dice",
        "dice",
        "Roll dice (deterministically: every die shows its highest face).",
    )
    assert dice.Config.model_validate({}).model_dump() == {}
    with pytest.raises(Exception, match="Extra inputs are not permitted"):
        dice.Config.model_validate({"unexpected": 1})
    assert (dice.args_model, dice.timeout_secs, dice.llm_tool) == (DiceArgs, 10.0, True)
