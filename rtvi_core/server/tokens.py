"""Signed, expiring, single-use session tokens (HMAC-SHA256).

``POST /start`` issues one when auth is on; the client presents it to open its
session (the websocket transport: ``?token=`` on the WebSocket URL). A backend of your own can mint tokens with the
same secret: ``TokenSigner(secret).issue()``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time

_PAYLOAD = struct.Struct(">Q16s")  # expiry (unix seconds), nonce


class TokenError(Exception):
    """A token that does not open a session; the message says why."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Issues and checks tokens signed with ``secret``, valid for ``ttl_secs``, usable once.

    Without a secret a random one is made: tokens then only work against this process.
    """

    def __init__(self, secret: str | bytes | None = None, ttl_secs: float = 300.0) -> None:
        if isinstance(secret, str):
            secret = secret.encode()
        if secret is not None and len(secret) < 16:
            raise ValueError("the token secret must be at least 16 bytes long")
        self._secret = secret or os.urandom(32)
        self.ttl_secs = ttl_secs
        self._used: dict[bytes, float] = {}

    def issue(self, now: float | None = None) -> str:
        """A new token."""
        expiry = int((time.time() if now is None else now) + self.ttl_secs)
        payload = _PAYLOAD.pack(expiry, os.urandom(16))
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def verify(self, token: str, now: float | None = None) -> None:
        """Accept ``token`` (and use it up) or raise :class:`TokenError`."""
        now = time.time() if now is None else now
        if not token:
            raise TokenError("a token is required: connect with the ?token= that POST /start returned")
        payload_text, sep, signature_text = token.partition(".")
        try:
            payload, signature = _unb64(payload_text), _unb64(signature_text)
        except (ValueError, TypeError):
            raise TokenError("malformed token") from None
        if not sep or len(payload) != _PAYLOAD.size:
            raise TokenError("malformed token")
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise TokenError("invalid token signature")
        expiry, nonce = _PAYLOAD.unpack(payload)
        if expiry < now:
            raise TokenError("token expired")
        self._forget_expired(now)
        if nonce in self._used:
            raise TokenError("token already used")
        self._used[nonce] = expiry

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()

    def _forget_expired(self, now: float) -> None:
        if len(self._used) > 1024:
            self._used = {nonce: expiry for nonce, expiry in self._used.items() if expiry >= now}
