"""A call through each carrier's media stream against a cheap bot (energy VAD, echo LLM, tone TTS).

For each of Twilio, Telnyx, Plivo and Exotel, a fake carrier (a real WebSocket client on
loopback sending the documented messages, in real time): the webhook's answer points at
``/ws``; ``start`` makes the bot greet the caller with ``media`` and a ``mark``; a keypress
reaches the pipeline as ``InputDTMFFrame``; a barge-in gets a ``clear``; the bot hanging up
calls the carrier's (fake) REST API as documented and closes the stream; ``stop`` (or, for
Plivo, the socket closing) ends the session and frees its slot.
"""

from __future__ import annotations

import anyio
import httpx
import pytest
from carrier_stream_fakes import fake_call
from telephony_support import CARRIERS, CHEAP_BOT, fake_rest, rms, served_bot, tone, transport_keys, wire_for

from rtvi_core.frames import EndFrame, TTSSpeakFrame

pytestmark = pytest.mark.anyio


async def _eventually(check, timeout: float = 10.0) -> None:
    with anyio.fail_after(timeout):
        while not check():
            await anyio.sleep(0.02)


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_a_call_greets_takes_keys_is_interrupted_and_hung_up(carrier: str) -> None:
    wire = wire_for(carrier)
    async with fake_rest(carrier, wire).running() as rest:
        keys = transport_keys(
            carrier, api_base_url=rest.base_url, validate_signatures=False, public_url="https://bot.example.com"
        )
        async with served_bot(CHEAP_BOT.format(carrier=carrier, transport=keys, speak_first="true")) as bot:
            # the webhook answers with the markup pointing at the media stream
            async with httpx.AsyncClient() as client:
                answer = await client.post(f"{bot.url}/", data={"From": "+15551234567", "To": "+15557654321"})
            assert answer.status_code == 200
            assert "wss://bot.example.com/ws" in answer.text

            async with fake_call(bot.port, wire) as call:
                # start → the bot greets: audio, then a mark after the utterance
                greeting = await call.wait_for("media", timeout=10)
                mark = await call.wait_for("mark", after=greeting.at, timeout=10)
                assert rms(call.audio(before=mark.at)) > 1000  # the tones, not silence
                [session] = bot.sessions
                transport = session.transport
                await _eventually(lambda: transport.marks_played == [mark.data])
                assert session.data["call"]["call_id"] == wire.call_id
                [connected] = bot.connected  # the client-connected hook got the call
                assert (connected.call_id, connected.stream_id) == (wire.call_id, wire.stream_id)
                assert connected.parameters["customer"] == "42"
                assert session.data["call"]["from"] in (wire.caller, wire.caller[1:])
                health = await bot.health()
                assert (health["sessions"], health["calls"]) == (1, 1)

                # a keypress → the RTVI dtmf path → InputDTMFFrame
                await call.send(wire.dtmf("7"))
                await _eventually(lambda: bot.keypresses[0].keys == ["7"])

                # the bot speaks; the caller talks over it → clear
                await session.task.queue_frame(TTSSpeakFrame("one two three four five six seven eight nine ten"))
                speaking = await call.wait_for("media", after=mark.at, timeout=10)
                await call.say(tone(0.5))
                await call.wait_for("clear", after=speaking.at, timeout=10)
                assert transport.clears_sent >= 1
                assert transport.rtvi_dropped > 0  # bot-ready and the rest never went down the stream

                # the bot ends the call: the carrier's REST API hangs it up, the stream is closed
                await session.task.queue_frame(EndFrame())
                assert await call.wait_closed() == 1000
            await _eventually(lambda: bot.server.session_count == 0)
            assert (await bot.health())["sessions"] == 0
    if carrier == "exotel":  # Exotel's API has no hang-up: closing the stream ends the bot's part
        assert rest.requests == []
    else:
        assert rest.hung_up == [wire.call_id]


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_the_callers_hang_up_ends_the_session_and_frees_its_slot(carrier: str) -> None:
    wire = wire_for(carrier)
    async with fake_rest(carrier, wire).running() as rest:
        keys = transport_keys(carrier, api_base_url=rest.base_url, max_sessions=1)
        async with served_bot(CHEAP_BOT.format(carrier=carrier, transport=keys, speak_first="false")) as bot:
            async with fake_call(bot.port, wire) as call:
                await _eventually(lambda: bot.sessions and bot.sessions[0].transport.call is not None)
                assert (await bot.health())["sessions"] == 1
                stop = wire.stop()
                if stop is not None:
                    await call.send(stop)
                    assert await call.wait_closed() in (1000, 1005)
                else:  # Plivo: the socket closes
                    await call.ws.close()
                await _eventually(lambda: bot.server.session_count == 0)
            assert (await bot.health())["sessions"] == 0
            # the freed slot takes the next call
            async with fake_call(bot.port, wire_for(carrier)) as again:
                await _eventually(lambda: len(bot.sessions) == 2 and bot.sessions[1].transport.call is not None)
                assert again.closed is None
    assert rest.requests == []  # the caller hung up: nothing to hang up


async def test_the_hang_up_action_ends_the_call_through_the_rest_api() -> None:
    from rtvi_telephony.actions import hang_up

    from rtvi_core.actions import ActionContext, ActionError, NoConfig

    wire = wire_for("twilio")
    async with fake_rest("twilio", wire).running() as rest:
        keys = transport_keys("twilio", api_base_url=rest.base_url)
        async with served_bot(CHEAP_BOT.format(carrier="twilio", transport=keys, speak_first="false")) as bot:
            async with fake_call(bot.port, wire, start=False) as call:
                await _eventually(lambda: len(bot.sessions) == 1)
                session = bot.sessions[0]
                ctx = ActionContext(task=session.task, config=NoConfig(), session=session)
                with pytest.raises(ActionError, match="no phone call"):
                    await hang_up.run(ctx, {})
                await call.send(wire.start())
                await _eventually(lambda: session.transport.call is not None)
                assert await hang_up.run(ctx, {"reason": "the caller said goodbye"}) == {
                    "call_id": wire.call_id,
                    "hanging_up": True,
                }
                assert await call.wait_closed() == 1000
            assert session.llm.has_function("hang-up")  # offered to the LLM as a tool
    assert rest.hung_up == [wire.call_id]
