"""Signed, expiring, single-use session tokens (HMAC-SHA256).

``POST /start`` issues one when auth is on; the client presents it to open its
session (the websocket transport: ``?token=`` on the WebSocket URL). A backend of your own can mint tokens with the
same secret: ``TokenSigner(secret).issue()``.

In a cluster (:mod:`.cluster`) every process shares one secret, and a token is bound to
the worker it was issued for (``issue(worker=...)``): a worker's signer
(``TokenSigner(secret, worker=its id)``) refuses tokens of another worker.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time
from dataclasses import dataclass

_PAYLOAD = struct.Struct(">Q16s")  # expiry (unix seconds), nonce; then the worker id (UTF-8), if any
#: Longest worker id a token carries.
MAX_WORKER_ID_BYTES = 200


class TokenError(Exception):
    """A token that does not open a session; the message says why."""


@dataclass(frozen=True, slots=True)
class Token:
    """A verified token: its expiry (unix seconds), its nonce (hex: unique per token) and worker ("": any)."""

    expiry: int
    nonce: str
    worker: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Issues and checks tokens signed with ``secret``, valid for ``ttl_secs``, usable once.

    Without a secret a random one is made: tokens then only work against this process.
    ``worker``: this process's id in a cluster; :meth:`verify` then accepts only the
    tokens issued for it.
    """

    def __init__(self, secret: str | bytes | None = None, ttl_secs: float = 300.0, *, worker: str = "") -> None:
        if isinstance(secret, str):
            secret = secret.encode()
        if secret is not None and len(secret) < 16:
            raise ValueError("the token secret must be at least 16 bytes long")
        if len(worker.encode()) > MAX_WORKER_ID_BYTES:
            raise ValueError(f"a worker id is at most {MAX_WORKER_ID_BYTES} bytes long")
        self._secret = secret or os.urandom(32)
        self.ttl_secs = ttl_secs
        self.worker = worker
        self._used: dict[bytes, float] = {}

    def issue(self, now: float | None = None, *, worker: str | None = None, nonce: bytes | None = None) -> str:
        """A new token, bound to ``worker`` (None: this signer's own), with ``nonce`` (16 bytes; None: random)."""
        expiry = int((time.time() if now is None else now) + self.ttl_secs)
        bound = (self.worker if worker is None else worker).encode()
        if len(bound) > MAX_WORKER_ID_BYTES:
            raise ValueError(f"a worker id is at most {MAX_WORKER_ID_BYTES} bytes long")
        payload = _PAYLOAD.pack(expiry, os.urandom(16) if nonce is None else nonce) + bound
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def verify(self, token: str, now: float | None = None) -> Token:
        """Accept ``token`` (and use it up) or raise :class:`TokenError`."""
        now = time.time() if now is None else now
        if not token:
            raise TokenError("a token is required: connect with the ?token= that POST /start returned")
        payload_text, sep, signature_text = token.partition(".")
        try:
            payload, signature = _unb64(payload_text), _unb64(signature_text)
        except (ValueError, TypeError):
            raise TokenError("malformed token") from None
        if not sep or not _PAYLOAD.size <= len(payload) <= _PAYLOAD.size + MAX_WORKER_ID_BYTES:
            raise TokenError("malformed token")
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise TokenError("invalid token signature")
        expiry, nonce = _PAYLOAD.unpack_from(payload)
        worker = payload[_PAYLOAD.size :].decode(errors="replace")
        if worker != self.worker:
            raise TokenError(
                f"this token was issued for worker {worker!r}, not this one ({self.worker!r}): "
                "connect to the wsUrl that POST /start returned with it"
            )
        if expiry < now:
            raise TokenError("token expired")
        self._forget_expired(now)
        if nonce in self._used:
            raise TokenError("token already used")
        self._used[nonce] = expiry
        return Token(expiry, nonce.hex(), worker)

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()

    def _forget_expired(self, now: float) -> None:
        if len(self._used) > 1024:
            self._used = {nonce: expiry for nonce, expiry in self._used.items() if expiry >= now}
