"""The carriers' REST APIs for what a phone bot needs: hang up a call, place one.

Each client speaks its carrier's documented endpoints with httpx and a timeout; any
failure (an HTTP error status, a timeout, no connection, an answer that is not the
documented JSON) raises :class:`CarrierError`, naming the carrier, the status and what
to check.

| carrier | hang up | place a call | auth |
|---|---|---|---|
| Twilio | ``POST /2010-04-01/Accounts/{sid}/Calls/{CallSid}.json`` ``Status=completed`` | ``POST …/Calls.json`` ``To``, ``From``, ``Url`` | basic (account SID, auth token) |
| Telnyx | ``POST /v2/calls/{call_control_id}/actions/hangup`` | ``POST /v2/texml/calls/{connection_id}`` ``To``, ``From``, ``Url`` | bearer (API key) |
| Plivo | ``DELETE /v1/Account/{auth_id}/Call/{call_uuid}/`` | ``POST /v1/Account/{auth_id}/Call/`` ``from``, ``to``, ``answer_url`` | basic (auth ID, auth token) |
| Exotel | not offered by Exotel's REST API | ``POST /v1/Accounts/{sid}/Calls/connect.json`` ``From``, ``CallerId``, ``Url`` | basic (API key, API token) |
"""

from __future__ import annotations

import json
from typing import Any, Protocol
from urllib.parse import quote

import httpx

__all__ = ["CarrierError", "CarrierRest", "ExotelRest", "PlivoRest", "TelnyxRest", "TwilioRest"]

#: Seconds a REST request may take, connecting included, before it is a CarrierError.
DEFAULT_TIMEOUT = 10.0


class CarrierError(Exception):
    """A carrier's REST API refused a request, or did not answer.

    ``status`` is the HTTP status (``None`` when there was no answer: a timeout or no
    connection); ``message`` says what happened and what to check.
    """

    def __init__(self, carrier: str, status: int | None, message: str) -> None:
        super().__init__(carrier, status, message)
        self.carrier = carrier
        self.status = status
        self.message = message

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status is not None else "no answer"
        return f"{self.carrier} REST API ({where}): {self.message}"


class CarrierRest(Protocol):
    """What a phone session needs from its carrier's REST API."""

    async def hang_up(self, call_id: str) -> None:
        """End the call ``call_id`` (the id the media stream's ``start`` event carries)."""
        ...

    async def place_call(self, to: str, from_: str, webhook_url: str) -> str:
        """Call ``to`` from ``from_``, the carrier fetching ``webhook_url`` when answered; the call's id."""
        ...


def _segment(value: str) -> str:
    """``value`` as one URL path segment (a call id can hold no ``/`` or ``?`` of its own)."""
    return quote(value, safe=":")


def _error_text(response: httpx.Response) -> str:
    """The carrier's own error message in ``response``, or its text, shortened."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or httpx.codes.get_reason_phrase(response.status_code)
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):  # Telnyx
            first = errors[0]
            return str(first.get("detail") or first.get("title") or first)
        exception = body.get("RestException")
        if isinstance(exception, dict):  # Exotel
            return str(exception.get("Message") or exception)
        for key in ("message", "error", "detail"):  # Twilio, Plivo
            if body.get(key):
                return str(body[key])
    return json.dumps(body)[:300]


class _CarrierClient:
    """Requests to one carrier with a timeout, failures turned into CarrierError."""

    CARRIER = ""
    #: What to check when the carrier rejects the credentials.
    CREDENTIALS = ""

    def __init__(self, base_url: str, auth: httpx.Auth | None, headers: dict[str, str], timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = auth
        self._headers = headers
        self.timeout = timeout

    def _hint(self, status: int) -> str:
        if status in (401, 403):
            return f"check the {self.CREDENTIALS}"
        if status == 404:
            return "the call or the account is not known to the carrier (the call may have ended already)"
        if status in (400, 422):
            return "check the phone numbers (E.164, e.g. +15551234567) and the webhook URL"
        if status == 429:
            return "rate limited: retry later"
        if status >= 500:
            return "the carrier's server failed: retry later"
        return "unexpected answer"

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = self.base_url + path
        try:
            async with httpx.AsyncClient(auth=self._auth, headers=self._headers, timeout=self.timeout) as client:
                response = await client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise CarrierError(
                self.CARRIER, None, f"{method} {url} did not answer within {self.timeout:g} s: check the network"
            ) from None
        except httpx.HTTPError as exc:
            raise CarrierError(self.CARRIER, None, f"{method} {url} failed ({exc!r}): check the base URL") from exc
        if response.status_code >= 400:
            raise CarrierError(
                self.CARRIER,
                response.status_code,
                f"{method} {path}: {_error_text(response)}; {self._hint(response.status_code)}",
            )
        return response

    def _field(self, response: httpx.Response, *keys: str) -> str:
        """The string at ``keys`` in the JSON answer (a CarrierError if it is not there)."""
        try:
            value: Any = response.json()
            for key in keys:
                value = value[key]
        except (ValueError, KeyError, TypeError, IndexError):
            value = None
        if not isinstance(value, str) or not value:
            raise CarrierError(
                self.CARRIER,
                response.status_code,
                f"the answer has no {'.'.join(keys)}: {response.text[:200]!r}",
            )
        return value


class TwilioRest(_CarrierClient):
    """Twilio's Voice API (``api.twilio.com``), with the account SID and auth token."""

    CARRIER = "Twilio"
    CREDENTIALS = "account SID and auth token (Twilio console → Account info)"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        base_url: str = "https://api.twilio.com",
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(base_url, httpx.BasicAuth(account_sid, auth_token), {}, timeout)
        self._calls = f"/2010-04-01/Accounts/{_segment(account_sid)}/Calls"

    async def hang_up(self, call_id: str) -> None:
        """Complete the call ``call_id`` (its ``CallSid``)."""
        await self._request("POST", f"{self._calls}/{_segment(call_id)}.json", data={"Status": "completed"})

    async def place_call(self, to: str, from_: str, webhook_url: str) -> str:
        """Call ``to`` from the Twilio number ``from_``; Twilio fetches TwiML from ``webhook_url``. The ``CallSid``."""
        response = await self._request(
            "POST", f"{self._calls}.json", data={"To": to, "From": from_, "Url": webhook_url}
        )
        return self._field(response, "sid")


class TelnyxRest(_CarrierClient):
    """Telnyx's API v2 (``api.telnyx.com``), with an API key.

    A bot answering through a TeXML application places calls with the TeXML Calls API
    (``POST /v2/texml/calls/{connection_id}``, ``connection_id`` being the TeXML
    application's id): Telnyx then fetches TeXML from ``webhook_url`` when the call is
    answered, as for an incoming call, so both directions share one webhook and one
    media-stream route. The Call Control variant (``POST /v2/calls``) needs a Call
    Control application answering JSON webhook events instead, which a TeXML app does
    not have. The returned ``call_sid`` is the call's call-control id, and hang-up uses
    the Call Control command on it (``POST /v2/calls/{call_control_id}/actions/hangup``),
    which works on TeXML calls too: the media stream's ``start`` event carries the same id.
    """

    CARRIER = "Telnyx"
    CREDENTIALS = "API key (Telnyx Mission Control → Auth → API Keys)"

    def __init__(
        self,
        api_key: str,
        connection_id: str,
        base_url: str = "https://api.telnyx.com",
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(base_url, None, {"Authorization": f"Bearer {api_key}"}, timeout)
        self.connection_id = connection_id

    async def hang_up(self, call_id: str) -> None:
        """Hang up the call whose call-control id is ``call_id``."""
        await self._request("POST", f"/v2/calls/{_segment(call_id)}/actions/hangup", json={})

    async def place_call(self, to: str, from_: str, webhook_url: str) -> str:
        """Call ``to`` from ``from_`` through the TeXML application; the call-control id (``call_sid``)."""
        body = {"To": to, "From": from_, "Url": webhook_url, "Method": "POST"}
        response = await self._request("POST", f"/v2/texml/calls/{_segment(self.connection_id)}", json=body)
        return self._field(response, "call_sid")


class PlivoRest(_CarrierClient):
    """Plivo's Voice API (``api.plivo.com``), with the auth ID and auth token.

    ``place_call`` returns Plivo's ``request_uuid``, the id of the call request; the
    call's own ``CallUUID`` (what ``hang_up`` takes) arrives with the answer webhook and
    the media stream's ``start`` event.
    """

    CARRIER = "Plivo"
    CREDENTIALS = "auth ID and auth token (Plivo console → Overview)"

    def __init__(
        self,
        auth_id: str,
        auth_token: str,
        base_url: str = "https://api.plivo.com",
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(base_url, httpx.BasicAuth(auth_id, auth_token), {}, timeout)
        self._calls = f"/v1/Account/{_segment(auth_id)}/Call/"

    async def hang_up(self, call_id: str) -> None:
        """Hang up the live call ``call_id`` (its ``CallUUID``)."""
        await self._request("DELETE", f"{self._calls}{_segment(call_id)}/")

    async def place_call(self, to: str, from_: str, webhook_url: str) -> str:
        """Call ``to`` from the Plivo number ``from_``; Plivo fetches XML from ``webhook_url``. The ``request_uuid``."""
        body = {"from": from_, "to": to, "answer_url": webhook_url, "answer_method": "POST"}
        response = await self._request("POST", self._calls, json=body)
        return self._field(response, "request_uuid")


class ExotelRest(_CarrierClient):
    """Exotel's Voice API v1, with the API key and token, for the account ``account_sid``.

    ``subdomain`` is the account's cluster: ``api.exotel.com`` (Singapore) or
    ``api.in.exotel.com`` (Mumbai). Exotel connects calls to a flow (an App Bazaar app
    whose Voicebot applet opens the media stream): ``place_call`` dials ``to`` with the
    ExoPhone ``from_`` as caller id and runs the flow at ``webhook_url``
    (``http://my.exotel.com/{account_sid}/exoml/start_voice/{app_id}``). Exotel documents
    no REST hang-up for such a call: ``hang_up`` raises CarrierError; a bot ends an
    Exotel call by closing the media stream, and the flow moves on to its next applet.
    """

    CARRIER = "Exotel"
    CREDENTIALS = "API key, API token and account SID (Exotel dashboard → API settings)"

    def __init__(
        self,
        api_key: str,
        api_token: str,
        account_sid: str,
        subdomain: str = "api.exotel.com",
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(base_url or f"https://{subdomain}", httpx.BasicAuth(api_key, api_token), {}, timeout)
        self._connect = f"/v1/Accounts/{_segment(account_sid)}/Calls/connect.json"

    async def hang_up(self, call_id: str) -> None:
        """Not offered by Exotel: always raises CarrierError."""
        raise CarrierError(
            self.CARRIER,
            None,
            f"hanging up call {call_id} is not supported by Exotel's REST API: end the call by closing its "
            "media stream (the flow then runs its next applet, e.g. Hangup)",
        )

    async def place_call(self, to: str, from_: str, webhook_url: str) -> str:
        """Dial ``to`` with the ExoPhone ``from_`` as caller id, into the flow ``webhook_url``; the call ``Sid``."""
        response = await self._request("POST", self._connect, data={"From": to, "CallerId": from_, "Url": webhook_url})
        return self._field(response, "Call", "Sid")
