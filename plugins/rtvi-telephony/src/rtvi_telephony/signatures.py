"""Carrier webhook signatures: Twilio, Telnyx and Plivo.

Each ``*_valid`` function answers ``True`` only for a request the carrier signed; a
wrong token, a tampered URL, parameter or body, a stale timestamp or a malformed header
(bad base64, wrong length, non-ASCII) is ``False``, never an exception. Comparisons are
constant-time. The ``*_signature`` functions build a signature the way the carrier does,
for tests and fake carriers.

* Twilio (``X-Twilio-Signature``): base64 HMAC-SHA1, keyed with the account's auth
  token, of the full URL Twilio requested (scheme, host, path and query) followed by each
  POST parameter's name and value, sorted by name, with no separators.
* Telnyx (``telnyx-signature-ed25519``, ``telnyx-timestamp``): an Ed25519 signature,
  base64, by Telnyx's key of ``f"{timestamp}|"`` followed by the raw request body;
  checked with the account's public key (Mission Control → Keys & Credentials → Public
  Key, base64), and refused when the timestamp is further than a tolerance from now.
* Plivo V3 (``X-Plivo-Signature-V3``, ``X-Plivo-Signature-V3-Nonce``): base64
  HMAC-SHA256, keyed with the auth token, of the request string and the nonce joined by
  ``"."``. The request string is the URL without its query; then, for a POST, ``"?"``,
  the URL's query parameters sorted (``name=value`` joined by ``&``; a ``"."`` after them
  when there are any), and the POST parameters sorted by name as name and value with no
  separators; for a GET, ``"?"`` and the sorted query when there is one. The header may
  carry several comma-separated signatures (one per active auth token): any match counts.
  ``X-Plivo-Signature-Ma-V3`` is the same with the main account's token.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit, urlunsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "plivo_signature",
    "plivo_signature_valid",
    "telnyx_signature",
    "telnyx_signature_valid",
    "twilio_signature",
    "twilio_signature_valid",
]

#: What the checks turn into ``False``: malformed input of any kind.
_MALFORMED = (ValueError, TypeError, UnicodeError, binascii.Error)


def _same(expected: str, received: str) -> bool:
    """Constant-time comparison of two signatures (any text, even non-ASCII)."""
    return hmac.compare_digest(expected.encode(), received.encode())


def _b64_hmac(key: str, message: str, digest: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), message.encode(), digest).digest()).decode()


# --- Twilio ---------------------------------------------------------------------------------


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The ``X-Twilio-Signature`` Twilio sends for a POST of ``params`` to ``url``."""
    signed = url + "".join(name + params[name] for name in sorted(params))
    return _b64_hmac(auth_token, signed, "sha1")


def twilio_signature_valid(auth_token: str, url: str, params: Mapping[str, str], signature: str) -> bool:
    """Whether ``signature`` (``X-Twilio-Signature``) signs this request.

    ``url`` is the full URL Twilio requested, as configured in its console (behind a
    proxy, the public URL, not the one the server sees); ``params`` the POST form
    parameters (empty for a GET, whose parameters are in the URL).
    """
    try:
        return bool(auth_token) and _same(twilio_signature(auth_token, url, params), signature)
    except _MALFORMED:
        return False


# --- Telnyx ---------------------------------------------------------------------------------


def telnyx_signature(private_key: str, payload: bytes, timestamp: str) -> str:
    """The ``telnyx-signature-ed25519`` header for ``payload`` sent at ``timestamp``.

    ``private_key`` is a base64 raw 32-byte Ed25519 private key (Telnyx's own is secret:
    this is for tests and fake carriers).
    """
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key, validate=True))
    return base64.b64encode(key.sign(timestamp.encode() + b"|" + payload)).decode()


def telnyx_signature_valid(
    public_key: str,
    payload: bytes,
    timestamp: str,
    signature: str,
    tolerance_secs: int = 300,
    now: float | None = None,
) -> bool:
    """Whether ``signature`` (``telnyx-signature-ed25519``) signs ``payload`` at ``timestamp``.

    ``public_key`` is the account's base64 public key; ``payload`` the raw request body
    (not re-serialised JSON); ``timestamp`` the ``telnyx-timestamp`` header (Unix
    seconds), refused when more than ``tolerance_secs`` from ``now`` (default: the
    clock), either way, against replays.
    """
    try:
        sent_at = int(timestamp)
        current = time.time() if now is None else now
        if abs(current - sent_at) > tolerance_secs:
            return False
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(base64.b64decode(signature, validate=True), timestamp.encode() + b"|" + payload)
    except (InvalidSignature, *_MALFORMED):
        return False
    return True


# --- Plivo ----------------------------------------------------------------------------------


def _plivo_request_string(url: str, params: Mapping[str, str] | None) -> str:
    parts = urlsplit(url)
    signed = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    query = parse_qs(parts.query, keep_blank_values=True)
    query_string = "&".join(f"{name}={value}" for name in sorted(query) for value in sorted(query[name]))
    if params:
        signed += "?" + query_string + ("." if query_string else "")
        signed += "".join(name + params[name] for name in sorted(params))
    elif query_string:
        signed += "?" + query_string
    return signed


def plivo_signature(auth_token: str, url: str, nonce: str, params: Mapping[str, str] | None = None) -> str:
    """The ``X-Plivo-Signature-V3`` Plivo sends with ``nonce`` for a request to ``url``.

    ``params`` are the POST parameters (``None`` or empty for a GET).
    """
    return _b64_hmac(auth_token, f"{_plivo_request_string(url, params)}.{nonce}", "sha256")


def plivo_signature_valid(
    auth_token: str, url: str, nonce: str, signature: str, params: Mapping[str, str] | None = None
) -> bool:
    """Whether ``signature`` (``X-Plivo-Signature-V3``) signs this request with ``nonce``.

    ``url`` is the full URL Plivo requested (the answer URL as configured, with its
    query); ``nonce`` the ``X-Plivo-Signature-V3-Nonce`` header; ``params`` the POST
    parameters (``None`` or empty for a GET). ``signature`` may hold several
    comma-separated signatures: any one matching is enough.
    """
    try:
        if not auth_token or not nonce:
            return False
        expected = plivo_signature(auth_token, url, nonce, params)
        matches = [_same(expected, candidate.strip()) for candidate in signature.split(",")]
    except _MALFORMED:
        return False
    return any(matches)
