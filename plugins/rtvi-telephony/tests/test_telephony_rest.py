"""Carrier REST clients against fake carriers on 127.0.0.1 (real HTTP): the documented requests, and failures."""

from __future__ import annotations

import time

import anyio
import pytest
from carrier_rest_fakes import FakeExotel, FakePlivo, FakeTelnyx, FakeTwilio, closed_port_url
from rtvi_telephony.rest import CarrierError, CarrierRest, ExotelRest, PlivoRest, TelnyxRest, TwilioRest

pytestmark = pytest.mark.anyio

WEBHOOK = "https://bot.example.com/?a=1&b=2"
EXOTEL_FLOW = "http://my.exotel.com/sid1/exoml/start_voice/12345"


async def test_twilio_hang_up_completes_the_call() -> None:
    async with FakeTwilio("AC1", "tok").running() as twilio:
        await TwilioRest("AC1", "tok", base_url=twilio.base_url).hang_up("CA42")
    [request] = twilio.requests
    assert (request.method, request.path) == ("POST", "/2010-04-01/Accounts/AC1/Calls/CA42.json")
    assert request.basic_auth() == ("AC1", "tok")
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.form() == {"Status": "completed"}
    assert twilio.hung_up == ["CA42"]


async def test_telnyx_hang_up_is_the_call_control_command() -> None:
    async with FakeTelnyx(api_key="KEY1").running() as telnyx:
        await TelnyxRest("KEY1", "conn1", base_url=telnyx.base_url).hang_up("v3:abc_DEF-1")
    [request] = telnyx.requests
    assert (request.method, request.path) == ("POST", "/v2/calls/v3:abc_DEF-1/actions/hangup")
    assert request.bearer() == "KEY1"
    assert request.content_type == "application/json"
    assert telnyx.hung_up == ["v3:abc_DEF-1"]


async def test_plivo_hang_up_deletes_the_call() -> None:
    async with FakePlivo(auth_id="MA1", auth_token="tok", live={"4c2d"}).running() as plivo:
        await PlivoRest("MA1", "tok", base_url=plivo.base_url).hang_up("4c2d")
    [request] = plivo.requests
    assert (request.method, request.path, request.body) == ("DELETE", "/v1/Account/MA1/Call/4c2d/", b"")
    assert request.basic_auth() == ("MA1", "tok")
    assert plivo.hung_up == ["4c2d"]


#: Each carrier's outbound call: the fake, the client, the documented request and its body.
PLACE_CALLS = [
    pytest.param(
        FakeTwilio("AC1", "tok"),
        lambda url: TwilioRest("AC1", "tok", base_url=url),
        ("+15551230000", "+15559870000", WEBHOOK),
        ("POST", "/2010-04-01/Accounts/AC1/Calls.json", ("basic", ("AC1", "tok"))),
        ("form", {"To": "+15551230000", "From": "+15559870000", "Url": WEBHOOK}),
        id="twilio",
    ),
    pytest.param(
        FakeTelnyx(api_key="KEY1", connection_id="conn1"),
        lambda url: TelnyxRest("KEY1", "conn1", base_url=url),
        ("+15551230000", "+1555", WEBHOOK),
        ("POST", "/v2/texml/calls/conn1", ("bearer", "KEY1")),
        ("json", {"To": "+15551230000", "From": "+1555", "Url": WEBHOOK, "Method": "POST"}),
        id="telnyx",
    ),
    pytest.param(
        FakePlivo(auth_id="MA1", auth_token="tok"),
        lambda url: PlivoRest("MA1", "tok", base_url=url),
        ("+15551230000", "+1555", WEBHOOK),
        ("POST", "/v1/Account/MA1/Call/", ("basic", ("MA1", "tok"))),
        ("json", {"from": "+1555", "to": "+15551230000", "answer_url": WEBHOOK, "answer_method": "POST"}),
        id="plivo",
    ),
    pytest.param(  # Exotel's API connects the number to a flow
        FakeExotel(api_key="k", api_token="t", account_sid="sid1"),
        lambda url: ExotelRest("k", "t", "sid1", base_url=url),
        ("+919876543210", "08047491899", EXOTEL_FLOW),
        ("POST", "/v1/Accounts/sid1/Calls/connect.json", ("basic", ("k", "t"))),
        ("form", {"From": "+919876543210", "CallerId": "08047491899", "Url": EXOTEL_FLOW}),
        id="exotel",
    ),
]


@pytest.mark.parametrize(("fake", "client", "call", "request_line", "body"), PLACE_CALLS)
async def test_place_call_sends_the_documented_request(fake, client, call, request_line, body) -> None:
    async with fake.running():
        placed = await client(fake.base_url).place_call(*call)
    [request] = fake.requests
    method, path, (auth, credentials) = request_line
    assert (request.method, request.path) == (method, path)
    assert (request.basic_auth() if auth == "basic" else request.bearer()) == credentials
    kind, fields = body
    assert (request.form() if kind == "form" else request.json()) == fields
    assert fake.placed[placed] == fields


async def test_exotel_hang_up_is_not_supported() -> None:
    rest = ExotelRest("k", "t", "sid1", subdomain="api.in.exotel.com")
    assert rest.base_url == "https://api.in.exotel.com"
    with pytest.raises(CarrierError) as caught:
        await rest.hang_up("exo-call-1")
    assert (caught.value.carrier, caught.value.status) == ("Exotel", None)
    assert "not supported" in str(caught.value) and "closing its media stream" in str(caught.value)


def test_the_clients_are_carrier_rests() -> None:
    clients: list[CarrierRest] = [
        TwilioRest("AC1", "t"),
        TelnyxRest("k", "c"),
        PlivoRest("MA1", "t"),
        ExotelRest("k", "t", "s"),
    ]
    assert [client.base_url for client in clients] == [  # type: ignore[attr-defined]
        "https://api.twilio.com",
        "https://api.telnyx.com",
        "https://api.plivo.com",
        "https://api.exotel.com",
    ]


# --- failures -------------------------------------------------------------------------------


async def test_wrong_credentials_name_what_to_check() -> None:
    async with FakeTwilio("AC1", "tok").running() as twilio:
        with pytest.raises(CarrierError) as caught:
            await TwilioRest("AC1", "wrong", base_url=twilio.base_url).hang_up("CA1")
    error = caught.value
    assert (error.carrier, error.status) == ("Twilio", 401)
    assert str(error) == (
        "Twilio REST API (HTTP 401): POST /2010-04-01/Accounts/AC1/Calls/CA1.json: Authenticate; "
        "check the account SID and auth token (Twilio console → Account info)"
    )


@pytest.mark.parametrize(
    ("fake", "rest", "text"),
    [
        (FakeTelnyx(api_key="KEY1"), TelnyxRest("nope", "c"), "Authentication failed; check the API key"),
        (FakePlivo(auth_id="MA1", auth_token="t"), PlivoRest("MA1", "nope"), "check the auth ID and auth token"),
        (
            FakeExotel(api_key="k", api_token="t", account_sid="s"),
            ExotelRest("k", "nope", "s"),
            "Authentication is required; check the API key",
        ),
    ],
)
async def test_401_each_carrier(fake: FakeTelnyx | FakePlivo | FakeExotel, rest: CarrierRest, text: str) -> None:
    async with fake.running():
        rest.base_url = fake.base_url  # type: ignore[attr-defined]
        with pytest.raises(CarrierError) as caught:
            await rest.place_call("+15551230000", "+1555", WEBHOOK)
    assert caught.value.status == 401 and text in str(caught.value)


async def test_unknown_call_is_404() -> None:
    async with FakePlivo(auth_id="MA1", auth_token="t", live=set()).running() as plivo:
        with pytest.raises(CarrierError) as caught:
            await PlivoRest("MA1", "t", base_url=plivo.base_url).hang_up("gone")
    assert caught.value.status == 404
    assert "call not found; the call or the account is not known" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "body", "text"),
    [
        (400, {"code": 21211, "message": "Invalid 'To' Phone Number"}, "Invalid 'To' Phone Number; check the phone"),
        (429, {"message": "Too many requests"}, "rate limited: retry later"),
        (500, b"<html>oops</html>", "<html>oops</html>; the carrier's server failed: retry later"),
        (503, b"", "Service Unavailable"),
    ],
)
async def test_error_statuses(status: int, body: object, text: str) -> None:
    async with FakeTwilio("AC1", "tok").running() as twilio:
        twilio.fail_next(status, body)
        with pytest.raises(CarrierError) as caught:
            await TwilioRest("AC1", "tok", base_url=twilio.base_url).place_call("+1", "+2", WEBHOOK)
    assert caught.value.status == status and text in str(caught.value)


async def test_a_2xx_without_the_documented_id_is_an_error() -> None:
    async with FakeTelnyx(api_key="K").running() as telnyx:
        telnyx.fail_next(200, {"data": {}})
        with pytest.raises(CarrierError, match="the answer has no call_sid"):
            await TelnyxRest("K", "c", base_url=telnyx.base_url).place_call("+1", "+2", WEBHOOK)


async def test_timeout() -> None:
    async with FakeTwilio("AC1", "tok").running() as twilio:
        twilio.stall_next()
        started = time.perf_counter()
        with pytest.raises(CarrierError) as caught:
            await TwilioRest("AC1", "tok", base_url=twilio.base_url, timeout=0.3).hang_up("CA1")
    assert time.perf_counter() - started < 2
    assert caught.value.status is None
    assert "did not answer within 0.3 s: check the network" in str(caught.value)
    assert str(caught.value).startswith("Twilio REST API (no answer): POST http://127.0.0.1:")


async def test_nothing_listening() -> None:
    with pytest.raises(CarrierError) as caught:
        await PlivoRest("MA1", "t", base_url=closed_port_url()).hang_up("x")
    assert caught.value.status is None and "check the base URL" in str(caught.value)


async def test_a_call_id_cannot_escape_its_path_segment() -> None:
    async with FakeTwilio("AC1", "tok").running() as twilio:
        with pytest.raises(CarrierError):
            await TwilioRest("AC1", "tok", base_url=twilio.base_url).hang_up("../Calls.json?x=")
    assert twilio.requests[0].path == "/2010-04-01/Accounts/AC1/Calls/..%2FCalls.json%3Fx%3D.json"


async def test_fakes_run_side_by_side() -> None:
    async with FakeTwilio().running() as a, FakeTwilio().running() as b:
        assert a.base_url != b.base_url
        with anyio.fail_after(5):
            await TwilioRest(a.account_sid, a.auth_token, base_url=a.base_url).hang_up("CA1")
    assert a.hung_up == ["CA1"] and b.requests == []
