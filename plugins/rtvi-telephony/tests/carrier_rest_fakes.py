"""Fake carrier REST APIs: real HTTP servers on 127.0.0.1, written from each carrier's docs.

Each fake accepts only the documented request (method, path, auth, content type and
body fields) and answers as the carrier does; anything else gets the carrier's error
status (401 for bad credentials, 404 for an unknown path or call, 400 for a missing
field). The HTTP plumbing is ``rtvi_core.testing.http_fake``'s loopback server. Every request is recorded (``fake.requests``), and what the fake did with it:
``fake.placed`` (calls it placed, by id) and ``fake.hung_up`` (call ids).

    async with FakeTwilio("AC123", "token").running() as twilio:
        rest = TwilioRest("AC123", "token", base_url=twilio.base_url)
        await rest.hang_up("CA1")
        assert twilio.hung_up == ["CA1"]

``fail_next(status, body)`` answers the next request with an error as scripted;
``stall_next()`` never answers it (for timeouts). One request per connection (every
answer closes it).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlencode

import anyio

from rtvi_core.testing.http_fake import HTTPReply, HTTPRequest, loopback_http_server

__all__ = [
    "FakeCarrier",
    "FakeExotel",
    "FakePlivo",
    "FakeTelnyx",
    "FakeTwilio",
    "Reply",
    "Request",
    "closed_port_url",
]

_REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized"}
_REASONS |= {404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests", 500: "Internal Server Error"}


@dataclass
class Request:
    """A request the fake received."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def form(self) -> dict[str, str]:
        """The ``application/x-www-form-urlencoded`` body."""
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def json(self) -> Any:
        return json.loads(self.body)

    def basic_auth(self) -> tuple[str, str] | None:
        """The (user, password) of a Basic ``Authorization`` header."""
        kind, _, value = self.headers.get("authorization", "").partition(" ")
        if kind.lower() != "basic":
            return None
        user, _, password = base64.b64decode(value).decode().partition(":")
        return user, password

    def bearer(self) -> str | None:
        kind, _, value = self.headers.get("authorization", "").partition(" ")
        return value if kind.lower() == "bearer" else None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()


@dataclass
class Reply:
    """An answer: ``body`` is JSON-encoded unless bytes."""

    status: int
    body: Any = None

    def encode(self) -> bytes:
        data = (
            b"" if self.body is None else self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        )
        kind = "application/json" if not isinstance(self.body, bytes) else "text/plain"
        head = [f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'Status')}", "Connection: close"]
        head += [f"Content-Type: {kind}", f"Content-Length: {len(data)}"]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + data


_STALL = object()


@dataclass(kw_only=True)
class FakeCarrier:
    """A loopback HTTP server; subclasses answer with :meth:`route`."""

    requests: list[Request] = field(default_factory=list)
    placed: dict[str, dict[str, Any]] = field(default_factory=dict)
    hung_up: list[str] = field(default_factory=list)
    base_url: str = ""
    _scripted: list[Any] = field(default_factory=list)

    def fail_next(self, status: int, body: Any = None) -> None:
        """Answer the next request with ``status`` and ``body``, whatever it is."""
        self._scripted.append(Reply(status, body))

    def stall_next(self) -> None:
        """Never answer the next request (the client times out)."""
        self._scripted.append(_STALL)

    def route(self, request: Request) -> Reply:
        raise NotImplementedError

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Self]:
        async with loopback_http_server(self._handle) as url:
            self.base_url = url
            yield self

    async def _handle(self, received: HTTPRequest, reply: HTTPReply) -> None:
        target = received.path + (f"?{urlencode(received.query)}" if received.query else "")
        request = Request(received.method, target, received.headers, received.body)
        self.requests.append(request)
        answer = self._scripted.pop(0) if self._scripted else self.route(request)
        if answer is _STALL:
            await anyio.sleep_forever()
        await reply.send(answer.encode())


def closed_port_url() -> str:
    """An http://127.0.0.1 URL where nothing listens."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _missing(fields: dict[str, Any], *names: str) -> list[str]:
    return [name for name in names if not fields.get(name)]


# --- Twilio: https://www.twilio.com/docs/voice/api/call-resource ----------------------------


@dataclass
class FakeTwilio(FakeCarrier):
    """Twilio's Call resource: create (``Calls.json``) and update ``Status=completed``."""

    account_sid: str = "AC00000000000000000000000000000000"
    auth_token: str = "twilio-token"

    def route(self, request: Request) -> Reply:
        if request.basic_auth() != (self.account_sid, self.auth_token):
            return Reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
        calls = f"/2010-04-01/Accounts/{self.account_sid}/Calls"
        if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded":
            return Reply(405, {"code": 20004, "message": "Method not allowed", "status": 405})
        form = request.form()
        if request.path == f"{calls}.json":
            if missing := _missing(form, "To", "From", "Url"):
                return Reply(400, {"code": 21201, "message": f"Missing parameter {missing[0]}", "status": 400})
            sid = f"CA{len(self.placed):032d}"
            self.placed[sid] = form
            return Reply(201, {"sid": sid, "status": "queued", "to": form["To"], "from": form["From"]})
        if match := re.fullmatch(rf"{calls}/(CA\w+)\.json", request.path):
            if form.get("Status") != "completed":
                return Reply(400, {"code": 21220, "message": "Invalid call state", "status": 400})
            self.hung_up.append(match[1])
            return Reply(200, {"sid": match[1], "status": "completed"})
        return Reply(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})


# --- Telnyx: https://developers.telnyx.com/api (Call Control hangup, TeXML calls) -----------


@dataclass
class FakeTelnyx(FakeCarrier):
    """Telnyx API v2: ``/v2/calls/{id}/actions/hangup`` and ``/v2/texml/calls/{connection_id}``."""

    api_key: str = "KEY0123"
    connection_id: str = "1684641123236054244"

    def route(self, request: Request) -> Reply:
        if request.bearer() != self.api_key:
            return Reply(401, {"errors": [{"code": "10009", "title": "Authentication failed"}]})
        if request.method != "POST" or request.content_type != "application/json":
            return Reply(405, {"errors": [{"code": "10005", "title": "Method not allowed"}]})
        body = request.json()
        if match := re.fullmatch(r"/v2/calls/([^/]+)/actions/hangup", request.path):
            call_id = unquote(match[1])
            self.hung_up.append(call_id)
            return Reply(200, {"data": {"result": "ok"}})
        if request.path == f"/v2/texml/calls/{self.connection_id}":
            if missing := _missing(body, "To", "From"):
                return Reply(422, {"errors": [{"code": "10015", "title": "Invalid parameter", "detail": missing[0]}]})
            call_sid = f"v3:call-{len(self.placed)}"
            self.placed[call_sid] = body
            return Reply(200, {"call_sid": call_sid, "from": body["From"], "to": body["To"], "status": "queued"})
        return Reply(404, {"errors": [{"code": "10005", "title": "Resource not found"}]})


# --- Plivo: https://www.plivo.com/docs/voice/api/call ---------------------------------------


@dataclass
class FakePlivo(FakeCarrier):
    """Plivo's Call API: make a call (``POST …/Call/``) and hang one up (``DELETE …/Call/{uuid}/``)."""

    auth_id: str = "MA0000000000000000AB"
    auth_token: str = "plivo-token"
    live: set[str] = field(default_factory=lambda: {"4c2d-call"})

    def route(self, request: Request) -> Reply:
        if request.basic_auth() != (self.auth_id, self.auth_token):
            return Reply(401, b"Could not verify your access level for that URL.")
        calls = f"/v1/Account/{self.auth_id}/Call/"
        if request.method == "POST" and request.path == calls:
            if request.content_type != "application/json":
                return Reply(400, {"api_id": "x", "error": "content type must be application/json"})
            body = request.json()
            if missing := _missing(body, "from", "to", "answer_url"):
                return Reply(400, {"api_id": "x", "error": f"{missing[0]} parameter is required"})
            request_uuid = f"req-{len(self.placed)}"
            self.placed[request_uuid] = body
            return Reply(201, {"api_id": "x", "message": "call fired", "request_uuid": request_uuid})
        if request.method == "DELETE" and (match := re.fullmatch(rf"{calls}([^/]+)/", request.path)):
            if match[1] not in self.live:
                return Reply(404, {"api_id": "x", "error": "call not found"})
            self.live.discard(match[1])
            self.hung_up.append(match[1])
            return Reply(204)
        return Reply(404, {"api_id": "x", "error": "not found"})


# --- Exotel: https://developer.exotel.com/api (Calls/connect to a flow) ---------------------


@dataclass
class FakeExotel(FakeCarrier):
    """Exotel's ``POST /v1/Accounts/{sid}/Calls/connect.json`` into a flow."""

    api_key: str = "exo-key"
    api_token: str = "exo-token"
    account_sid: str = "exo-sid"

    def route(self, request: Request) -> Reply:
        if request.basic_auth() != (self.api_key, self.api_token):
            return Reply(401, {"RestException": {"Status": 401, "Message": "Authentication is required"}})
        if request.method != "POST" or request.path != f"/v1/Accounts/{self.account_sid}/Calls/connect.json":
            return Reply(404, {"RestException": {"Status": 404, "Message": "Not found"}})
        if request.content_type != "application/x-www-form-urlencoded":
            return Reply(400, {"RestException": {"Status": 400, "Message": "form body expected"}})
        form = request.form()
        if missing := _missing(form, "From", "CallerId", "Url"):
            return Reply(400, {"RestException": {"Status": 400, "Message": f"Missing parameter {missing[0]}"}})
        sid = f"exo-call-{len(self.placed)}"
        self.placed[sid] = form
        return Reply(200, {"Call": {"Sid": sid, "From": form["From"], "Status": "in-progress"}})
