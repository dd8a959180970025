"""A strict, minimal HTTP/1.1 request parser and response writer (Sans-I/O).

The server answers a handful of routes itself and hands WebSocket upgrades to
``websockets``' protocol, so it needs no general HTTP stack: one request per
connection (``Connection: close``), a head of at most :data:`MAX_HEAD_BYTES`, a
body only by ``Content-Length`` of at most :data:`MAX_BODY_BYTES`, no
``Transfer-Encoding``. Anything else is refused with a specific status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote

import msgspec

#: Largest request line + headers accepted (431 beyond).
MAX_HEAD_BYTES = 16 * 1024
#: Largest request body accepted (413 beyond).
MAX_BODY_BYTES = 64 * 1024

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"})
_encode_json = msgspec.json.Encoder().encode


class HttpError(Exception):
    """A request that cannot be served: answered with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class Request:
    """One parsed request. Header names are lower-case; repeated headers are joined with ``, ``."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    head: bytes
    body: bytes = b""
    version: str = "HTTP/1.1"
    extra: bytes = field(default=b"", repr=False)

    @property
    def is_websocket_upgrade(self) -> bool:
        """True for a GET asking to upgrade to WebSocket."""
        return self.method == "GET" and "websocket" in self.headers.get("upgrade", "").lower()


def parse_request(buf: bytes | bytearray) -> Request | None:
    """The request at the start of ``buf``, or None until all of it has arrived.

    Raises :class:`HttpError` for anything malformed or over a limit. The bytes after
    the request (a client may send WebSocket frames right after its upgrade) are in
    ``Request.extra``.
    """
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        if len(buf) > MAX_HEAD_BYTES:
            raise HttpError(431, f"request head larger than {MAX_HEAD_BYTES} bytes")
        return None
    if end > MAX_HEAD_BYTES:
        raise HttpError(431, f"request head larger than {MAX_HEAD_BYTES} bytes")
    head = bytes(buf[: end + 4])
    try:
        text = head[:end].decode("ascii")
    except UnicodeDecodeError:
        raise HttpError(400, "request head is not ASCII") from None
    request_line, *header_lines = text.split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or parts[2] not in ("HTTP/1.1", "HTTP/1.0") or not parts[1]:
        raise HttpError(400, f"malformed request line: {request_line[:80]!r}")
    method, target, version = parts
    if method not in _METHODS:
        raise HttpError(501, f"method {method[:20]!r} is not supported")
    headers = _parse_headers(header_lines)
    if "transfer-encoding" in headers:
        raise HttpError(501, "Transfer-Encoding is not supported: send a Content-Length body")
    length = _content_length(headers.get("content-length"))
    total = end + 4 + length
    if len(buf) < total:
        return None
    path, _, query = target.partition("?")
    if not path.startswith("/"):
        raise HttpError(400, "request target must be a path")
    return Request(
        method=method,
        target=target,
        path=unquote(path),
        query=dict(parse_qsl(query, keep_blank_values=True)),
        headers=headers,
        head=head,
        body=bytes(buf[end + 4 : total]),
        version=version,
        extra=bytes(buf[total:]),
    )


def _parse_headers(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not _TOKEN.match(name):
            raise HttpError(400, f"malformed header line: {line[:80]!r}")
        key = name.lower()
        value = value.strip(" \t")
        if key == "content-length" and key in headers:
            raise HttpError(400, "repeated Content-Length header")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _content_length(value: str | None) -> int:
    if value is None:
        return 0
    if not value.isdigit():
        raise HttpError(400, f"invalid Content-Length: {value[:20]!r}")
    length = int(value)
    if length > MAX_BODY_BYTES:
        raise HttpError(413, f"request body larger than {MAX_BODY_BYTES} bytes")
    return length


def response(
    status: int,
    body: bytes = b"",
    content_type: str = "text/plain; charset=utf-8",
    headers: dict[str, str] | None = None,
    *,
    head_only: bool = False,
) -> bytes:
    """A complete ``Connection: close`` response."""
    reason = HTTPStatus(status).phrase
    lines = [
        f"HTTP/1.1 {status} {reason}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Connection: close",
        "X-Content-Type-Options: nosniff",
        "Cache-Control: no-store",
    ]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head_only else body)


def json_response(status: int, payload: object, headers: dict[str, str] | None = None) -> bytes:
    """A JSON response."""
    return response(status, _encode_json(payload), "application/json", headers)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> bytes:
    """A JSON error ``{"error": ..., "info": ...}`` (client-js shows ``info``)."""
    return json_response(status, {"error": HTTPStatus(status).phrase, "info": message}, headers)
