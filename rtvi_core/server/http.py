"""A strict, minimal HTTP/1.1 request parser and response writer (Sans-I/O), after RFC 9110/9112.

The server answers a handful of routes itself and hands upgrades (WebSocket) to a
transport's protocol, so it needs no general HTTP stack: one request per
connection (``Connection: close``), a head of at most :data:`MAX_HEAD_BYTES`, a
request target of at most :data:`MAX_TARGET_CHARS`, a body only by
``Content-Length`` of at most :data:`MAX_BODY_BYTES`, no ``Transfer-Encoding``.
Origin-form (``/path?query``) and absolute-form (``http://host/path``) targets are
accepted, and ``*`` for ``OPTIONS``. An HTTP/1.1 request needs exactly one ``Host``.
Control characters (CR, LF, NUL, ...) in the request line or a header value, a
folded header line or a malformed ``Host`` are refused with 400, so nothing a
client sends can split a response header. Every refusal is an :class:`HttpError`
with a specific status, answered with the JSON body of :func:`error_response`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote, urlsplit

import msgspec

#: Largest request line + headers accepted (431 beyond).
MAX_HEAD_BYTES = 16 * 1024
#: Longest request target accepted (414 beyond).
MAX_TARGET_CHARS = 8 * 1024
#: Largest request body accepted (413 beyond).
MAX_BODY_BYTES = 64 * 1024

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
#: Control characters other than horizontal tab (RFC 9110 §5.5: never valid in a field value).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_VERSION = re.compile(r"^HTTP/(\d)\.(\d)$")
#: ``name``, ``name:port``, ``1.2.3.4:port``, ``[v6]:port`` (RFC 9110 §7.2; no userinfo).
HOST_SYNTAX = re.compile(r"^(?:[A-Za-z0-9.\-_~]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"})
_encode_json = msgspec.json.Encoder().encode


class HttpError(Exception):
    """A request that cannot be served: answered with ``status``, ``message`` and ``headers``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def response(self) -> bytes:
        """The JSON error response for this refusal."""
        return error_response(self.status, self.message, self.headers)


@dataclass(slots=True)
class Request:
    """One parsed request. Header names are lower-case; repeated headers are joined with ``, ``.

    ``host`` is the request's authority: the absolute-form target's, else the
    ``Host`` header (``""`` for an HTTP/1.0 request without one).
    """

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    head: bytes
    host: str = ""
    body: bytes = b""
    version: str = "HTTP/1.1"
    extra: bytes = field(default=b"", repr=False)


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
    method, target, version = _request_line(request_line)
    headers = _parse_headers(header_lines)
    if "transfer-encoding" in headers:
        raise HttpError(501, "Transfer-Encoding is not supported: send a Content-Length body")
    length = _content_length(headers.get("content-length"))
    total = end + 4 + length
    if len(buf) < total:
        return None
    host, path, query = _target(method, target, version, headers)
    return Request(
        method=method,
        target=target,
        path=path,
        query=dict(parse_qsl(query, keep_blank_values=True)),
        headers=headers,
        head=head,
        host=host,
        body=bytes(buf[end + 4 : total]),
        version=version,
        extra=bytes(buf[total:]),
    )


def _request_line(line: str) -> tuple[str, str, str]:
    parts = line.split(" ")
    if len(parts) != 3 or not parts[1] or _CONTROL.search(line):
        raise HttpError(400, f"malformed request line: {line[:80]!r}")
    method, target, version = parts
    match = _VERSION.match(version)
    if match is None:
        raise HttpError(400, f"malformed request line: {line[:80]!r}")
    if match.group(1) != "1":
        raise HttpError(505, f"{version} is not supported: use HTTP/1.1")
    if method not in _METHODS:
        raise HttpError(501, f"method {method[:20]!r} is not supported")
    if len(target) > MAX_TARGET_CHARS:
        raise HttpError(414, f"request target longer than {MAX_TARGET_CHARS} characters")
    return method, target, version


def _parse_headers(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not _TOKEN.match(name):
            what = "folded header line (obsolete line folding)" if line[:1] in (" ", "\t") else "malformed header line"
            raise HttpError(400, f"{what}: {line[:80]!r}")
        if _CONTROL.search(value):
            raise HttpError(400, f"header {name[:40]!r} contains a control character (CR, LF, NUL, ...)")
        key = name.lower()
        value = value.strip(" \t")
        if key in headers and key in ("content-length", "host"):
            raise HttpError(400, f"repeated {name} header")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _target(method: str, target: str, version: str, headers: dict[str, str]) -> tuple[str, str, str]:
    """The authority, path and query of the request (RFC 9112 §3.2)."""
    if target.startswith("/"):
        path, _, query = target.partition("?")
        host = headers.get("host")
        if host is None:
            if version != "HTTP/1.0":
                raise HttpError(400, "missing Host header (required in HTTP/1.1)")
            host = ""
    elif target == "*" and method == "OPTIONS":
        host, path, query = headers.get("host", ""), "*", ""
    elif "://" in target:
        parts = urlsplit(target)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise HttpError(400, f"unsupported request target: {target[:80]!r}")
        # The target's authority replaces the Host header (RFC 9112 §3.2.2).
        host, path, query = parts.netloc, parts.path or "/", parts.query
    else:
        raise HttpError(400, f"request target must be a path or an absolute URL: {target[:80]!r}")
    if host and not HOST_SYNTAX.match(host):
        raise HttpError(400, f"malformed Host: {host[:80]!r}")
    return host, unquote(path), query


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
) -> bytes:
    """A complete ``Connection: close`` response (the connection leaves the body out for HEAD)."""
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
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def json_response(status: int, payload: object, headers: dict[str, str] | None = None) -> bytes:
    """A JSON response."""
    return response(status, _encode_json(payload), "application/json", headers)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> bytes:
    """A JSON error ``{"error": ..., "info": ...}`` (client-js shows ``info``)."""
    return json_response(status, {"error": HTTPStatus(status).phrase, "info": message}, headers)


def without_body(data: bytes) -> bytes:
    """The head of a complete response (what a HEAD request gets)."""
    end = data.find(b"\r\n\r\n")
    return data if end < 0 else data[: end + 4]
