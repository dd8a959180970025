"""Tests for the shared engine: one synthesis at a time, in order, per-request settings."""

from __future__ import annotations

import threading

import anyio
import pytest
from rtvi_espeak.engine import UnknownVoiceError, VoiceSettings, _FifoLock, get_engine

pytestmark = pytest.mark.anyio

US = VoiceSettings("en-us", 175, 50)
FAST_HIGH = VoiceSettings("en-gb", 320, 90)
FRENCH = VoiceSettings("fr", 150, 30)


def test_the_lock_is_granted_in_the_order_it_was_asked_for():
    lock = _FifoLock()
    order: list[int] = []

    def take(n: int) -> None:
        with lock:
            order.append(n)

    threads = [threading.Thread(target=take, args=(n,)) for n in range(6)]
    with lock:
        for n, thread in enumerate(threads):
            thread.start()
            while len(lock._waiting) < n + 2:  # this thread is queued behind the others
                threading.Event().wait(0.001)
    for thread in threads:
        thread.join(5)
    assert order == list(range(6))


async def test_concurrent_requests_with_different_settings_match_solo_results():
    engine = get_engine()
    jobs = [("Hello from the first session.", US), ("Bonjour de la deuxième session.", FRENCH),
            ("And a third, fast and high.", FAST_HIGH)] * 3  # fmt: skip
    solo = [await engine.synthesize(text, settings) for text, settings in jobs]
    together: list = [None] * len(jobs)

    async def one(i: int) -> None:
        together[i] = await engine.synthesize(*jobs[i])

    async with anyio.create_task_group() as group:
        for i in range(len(jobs)):
            group.start_soon(one, i)
    # espeak-ng's wave generator carries a little state from call to call, so the
    # samples differ slightly between runs: compare the words and the lengths.
    for alone, shared in zip(solo, together):
        assert [w[:2] for w in shared.words] == [w[:2] for w in alone.words]
        assert len(shared.pcm) == pytest.approx(len(alone.pcm), rel=0.01)
        for a, b in zip(alone.words, shared.words):
            assert b.sample == pytest.approx(a.sample, abs=300)
    lengths = [len(r.pcm) for r in solo[:3]]
    assert len(set(lengths)) == 3 and lengths[2] < lengths[0]  # each used its own settings


async def test_a_cancelled_request_waiting_for_its_turn_never_runs(monkeypatch):
    engine = get_engine()
    calls: list[str] = []
    real = engine.library.synthesize

    def counted(text: str, chunk) -> None:
        calls.append(text)
        real(text, chunk)

    monkeypatch.setattr(engine.library, "synthesize", counted)
    engine._lock.__enter__()  # another session is synthesizing
    try:
        with anyio.move_on_after(0.05):
            await engine.synthesize("never spoken", US)
    finally:
        engine._lock.__exit__()
    result = await engine.synthesize("spoken", US)  # queued behind the cancelled one
    assert calls == ["spoken"] and result.pcm


async def test_a_cancelled_running_request_stops_at_its_next_buffer():
    engine = get_engine()
    text = "This sentence goes on and on for quite a while, " * 8
    whole = await engine.synthesize(text, US)
    with anyio.CancelScope() as scope:
        scope.cancel()  # cancelled as soon as it waits: the thread is aborted at once
        await engine.synthesize(text, US)
    after = await engine.synthesize("Still working.", US)
    assert whole.pcm and after.pcm
    assert len(after.pcm) < len(whole.pcm)


async def test_unknown_voice_names_close_matches_and_how_to_list_voices():
    engine = get_engine()
    await engine.check_voice("en-us")
    with pytest.raises(UnknownVoiceError) as info:
        await engine.check_voice("en-uss")
    message = str(info.value)
    assert "unknown espeak-ng voice 'en-uss'" in message
    assert "'en-us'" in message and "python -m rtvi_espeak voices" in message
    with pytest.raises(UnknownVoiceError, match="unknown espeak-ng voice 'xx-nope'; list the voices"):
        await engine.synthesize("Hello.", VoiceSettings("xx-nope", 175, 50))
    with pytest.raises(UnknownVoiceError, match="'en-us\\+f33': no variant 'f33'; did you mean 'f3'"):
        await engine.check_voice("en-us+f33")
