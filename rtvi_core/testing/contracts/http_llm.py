"""``HTTPLLMContract``: what an LLM service that streams from an HTTP API does when the
connection, not the provider, fails — as a pytest suite run against the provider's fake.

A cloud LLM plugin runs it against its fake (a
:class:`~rtvi_core.testing.http_fake.StreamingFake` serving the provider's wire protocol)
by subclassing it, naming the provider and overriding two fixtures::

    class TestAnthropicTransport(HTTPLLMContract):
        provider = "Anthropic"

        @pytest.fixture
        async def fake(self):
            async with fake_anthropic(token_delay=0.02) as server:
                yield server

        @pytest.fixture
        def make_llm(self):
            return lambda url, **options: AnthropicLLMService(base_url=url, **options)

Every failure must be a non-fatal error whose message starts with the provider's name
and names the URL the service called (the service's ``url``), and the next turn must be
answered: nothing listening, no answer in time (``timeout_secs``), a stream that stalls,
a connection dropped mid-reply, an answer that is not HTTP, none at all, HTML instead of
events. An interruption must close the HTTP stream, and an RTVI client must get the
error as an RTVI ``error`` and its next turn answered. The fake's own answer to "Hi" must
be a reply of several tokens; ``drop_after`` events of it come before a cut.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import anyio
import pytest

from ...frames import InterruptionFrame, LLMContextFrame, LLMTextFrame
from ...services.llm import LLMService
from ...services.llm_context import LLMContext
from ..harness import run_bot
from ..http_fake import Fault, StreamingFake, after, raw, silent, stall
from ..running import running
from .llm import LLMContract, Replies

#: Builds the service under test for a base URL (and constructor options).
LLMFactory = Callable[..., LLMService]

_PROXY_503 = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 21\r\n"
    b"Connection: close\r\n\r\n<html>upstream</html>"
)

#: Garbage in place of an answer, and a phrase the error must hold.
GARBAGE: dict[str, tuple[Fault, str]] = {
    "not HTTP": (raw(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"), "illegal status line"),
    "closed without answer": (raw(b""), "Server disconnected without sending a response"),
    "HTML instead of events": (
        raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html>hi</html>"),
        "expected server-sent events of JSON objects, got text/html",
    ),
}


def _user(text: str = "Hi") -> LLMContext:
    return LLMContext([{"role": "user", "content": text}])


class HTTPLLMContract:
    """The suite; subclass it, set :attr:`provider`, override ``fake`` and ``make_llm``."""

    #: The provider's name, the first word of every error message.
    provider: str = ""
    #: Events of the fake's reply to "Hi" sent before a stall or a dropped connection.
    drop_after: int = 3
    #: A user message whose reply streams long enough to be interrupted.
    long_prompt: str = "Tell me a long story"
    #: Seconds any single wait may take.
    timeout: float = 10.0

    @pytest.fixture
    def fake(self) -> StreamingFake:
        """The provider's fake, served; subclasses must override this fixture."""
        raise NotImplementedError("override the `fake` fixture to serve the provider's fake")

    @pytest.fixture
    def make_llm(self) -> LLMFactory:
        """``make_llm(base_url, **options)`` builds a fresh service; override it."""
        raise NotImplementedError("override the `make_llm` fixture")

    async def turns(self, llm: LLMService, count: int = 2) -> Replies:
        """``count`` turns saying "Hi", in one pipeline run."""
        contract = LLMContract()
        contract.timeout = self.timeout
        return await contract.infer(llm, *(_user() for _ in range(count)))

    def assert_one_error_then_an_answer(self, replies: Replies, url: str, phrase: str) -> str:
        """One non-fatal error naming the provider, ``url`` and ``phrase``; the next turn answered."""
        ((error, fatal),) = [(e.error, e.fatal) for e in replies.errors]
        assert not fatal and error.startswith(self.provider), error
        assert url in error and phrase in error, error
        assert replies.framing()[-3:] == ["start", "text", "end"], replies.framing()
        assert replies.framing().count("end") == 2 and replies.texts[-1].strip()
        return error

    # -- the connection ------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_nothing_listening(self, make_llm: LLMFactory) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        llm = make_llm(base_url)
        replies = await self.turns(llm)
        assert [(e.error, e.fatal) for e in replies.errors] == [
            (f"{self.provider}: cannot reach {llm.url}: connection refused", False)  # type: ignore[attr-defined]
        ] * 2
        assert replies.framing() == ["start", "end", "start", "end"]

    @pytest.mark.anyio
    async def test_no_answer_in_time_closes_the_connection(self, fake: StreamingFake, make_llm: LLMFactory) -> None:
        fake.fail(silent())
        llm = make_llm(fake.url, timeout_secs=0.3)
        replies = await self.turns(llm)
        self.assert_one_error_then_an_answer(replies, llm.url, "did not answer within 0.3 s (timeout_secs)")  # type: ignore[attr-defined]
        with anyio.fail_after(self.timeout):
            await fake.replies[0].gone.wait()

    @pytest.mark.anyio
    async def test_a_stalled_stream_times_out(self, fake: StreamingFake, make_llm: LLMFactory) -> None:
        fake.fail(stall(self.drop_after))
        llm = make_llm(fake.url, timeout_secs=0.3)
        replies = await self.turns(llm)
        self.assert_one_error_then_an_answer(replies, llm.url, "did not answer within 0.3 s (timeout_secs)")  # type: ignore[attr-defined]

    @pytest.mark.anyio
    async def test_a_connection_dropped_mid_reply(self, fake: StreamingFake, make_llm: LLMFactory) -> None:
        fake.fail(after(self.drop_after))
        llm = make_llm(fake.url)
        replies = await self.turns(llm)
        self.assert_one_error_then_an_answer(replies, llm.url, "connection dropped")  # type: ignore[attr-defined]

    @pytest.mark.anyio
    @pytest.mark.parametrize("case", list(GARBAGE))
    async def test_garbage_in_place_of_an_answer(self, fake: StreamingFake, make_llm: LLMFactory, case: str) -> None:
        fault, phrase = GARBAGE[case]
        fake.fail(fault)
        llm = make_llm(fake.url)
        self.assert_one_error_then_an_answer(await self.turns(llm), llm.url, phrase)  # type: ignore[attr-defined]

    # -- in a pipeline ---------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_interruption_closes_the_http_stream(self, fake: StreamingFake, make_llm: LLMFactory) -> None:
        task, recorder, errors = LLMContract().task_for(make_llm(fake.url))
        async with running(task):
            await task.queue_frame(LLMContextFrame(context=_user(self.long_prompt)))
            await recorder.wait_for(lambda: recorder.of(LLMTextFrame), self.timeout)
            await task.queue_frame(InterruptionFrame())
            with anyio.fail_after(self.timeout):
                await fake.replies[0].gone.wait()  # the fake's next write failed: the client hung up
        replies = Replies(recorder, errors)
        assert not replies.errors, [e.error for e in replies.errors]
        assert replies.framing() == ["start", "text", "end"]

    @pytest.mark.anyio
    async def test_rtvi_client_gets_the_error_and_the_next_turn_is_answered(
        self, fake: StreamingFake, make_llm: LLMFactory
    ) -> None:
        fake.fail(raw(_PROXY_503))
        async with run_bot(llm=make_llm(fake.url), with_tts=False) as bot:
            await bot.ready()
            await bot.request("send-text", {"content": "Hello?"})
            error: dict[str, Any] = await bot.client.wait_for_message("error", timeout=self.timeout)
            await bot.client.wait_for_message("bot-llm-stopped", timeout=self.timeout)
            await bot.request("send-text", {"content": "Hello again?"})
            await bot.client.wait_for(
                lambda: len(bot.client.messages_of("bot-llm-stopped")) >= 2 or None, timeout=self.timeout
            )
            assert not bot.client.closed and not bot.task.has_finished()
        assert error["data"]["fatal"] is False
        assert error["data"]["error"].startswith(self.provider) and "HTTP 503" in error["data"]["error"]
        assert "".join(m["data"]["text"] for m in bot.client.messages_of("bot-llm-text")).strip()
