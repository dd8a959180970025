"""The test kit's loopback HTTP server for provider fakes, over real sockets."""

from __future__ import annotations

from urllib.parse import urlsplit

import anyio
import pytest

from rtvi_core.testing.http_fake import (
    Event,
    HTTPFailure,
    HTTPRequest,
    StreamingFake,
    after,
    raw,
    serve,
)
from rtvi_core.testing.scripted_model import GREETING, STORY, scripted_answer, tokens

pytestmark = pytest.mark.anyio


class Echo(StreamingFake):
    """Streams each word of the body back; refuses /missing; fails on /bug."""

    def answer(self, request: HTTPRequest) -> list[Event]:
        if request.path == "/missing":
            raise HTTPFailure(404, {"error": "no such path"}, {"X-Why": "test"})
        if request.path == "/bug":
            raise RuntimeError("a bug in the fake")
        return [("word", {"text": word}) for word in request.body.decode().split()]


async def exchange(url: str, path: str, body: bytes = b"") -> bytes:
    """POST ``body`` to ``path`` on a raw socket and read the whole answer."""
    parts = urlsplit(url)
    async with await anyio.connect_tcp(parts.hostname, parts.port) as stream:
        head = f"POST {path}?x=1 HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {len(body)}\r\n\r\n"
        await stream.send(head.encode() + body)
        answer = b""
        try:
            while True:
                answer += await stream.receive()
        except (anyio.EndOfStream, anyio.BrokenResourceError):
            return answer


async def test_streams_events_records_requests_and_refuses() -> None:
    async with serve(Echo(token_delay=0)) as fake:
        answer = await exchange(fake.url, "/stream", b"one two")
        refused = await exchange(fake.url, "/missing")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/event-stream")
    assert answer.endswith(b'event: word\ndata: {"text": "one"}\n\nevent: word\ndata: {"text": "two"}\n\n')
    assert refused.startswith(b"HTTP/1.1 404 Not Found") and b"X-Why: test" in refused
    assert refused.endswith(b'{"error": "no such path"}')
    first = fake.requests[0]
    assert (first.method, first.path, first.query, first.body) == ("POST", "/stream", {"x": "1"}, b"one two")


async def test_faults_replace_the_next_answers_and_a_failing_fake_answers_500() -> None:
    async with serve(Echo(token_delay=0)) as fake:
        fake.fail(after(1), raw(b"garbage"))
        cut = await exchange(fake.url, "/", b"one two")
        garbage = await exchange(fake.url, "/", b"one")
        bug = await exchange(fake.url, "/bug")
        normal = await exchange(fake.url, "/", b"three")
    assert cut.endswith(b'data: {"text": "one"}\n\n')
    assert garbage == b"garbage"
    assert bug.startswith(b"HTTP/1.1 500") and b"a bug in the fake" in bug
    assert normal.endswith(b'data: {"text": "three"}\n\n')


def test_scripted_answers() -> None:
    assert scripted_answer("Hi", ()).text == GREETING
    assert scripted_answer("Tell me a long story", ()).text == STORY
    call = scripted_answer("Weather in Oslo?", {"get_weather"})
    assert call.call_arguments == {"city": "Oslo"}
    assert scripted_answer("Weather in Oslo?", ()).call_arguments is None
    result = scripted_answer("", (), '{"city": "Oslo", "sky": "grey", "temperature_c": 4}')
    assert result.text == "It is grey and 4 degrees in Oslo."
    assert tokens("Hello there!") == ["Hello ", "there!"]
