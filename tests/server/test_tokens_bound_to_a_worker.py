"""``TokenSigner`` in a cluster: tokens bound to the worker they were issued for."""

from __future__ import annotations

import pytest

from rtvi_core.server.tokens import MAX_WORKER_ID_BYTES, TokenError, TokenSigner

SECRET = "a-shared-cluster-secret"


def test_a_worker_accepts_its_own_token_once_and_learns_its_nonce() -> None:
    gateway = TokenSigner(SECRET, 30)
    worker = TokenSigner(SECRET, 30, worker="worker-a")
    nonce = bytes(range(16))
    token = gateway.issue(worker="worker-a", nonce=nonce)
    checked = worker.verify(token)
    assert (checked.worker, checked.nonce) == ("worker-a", nonce.hex())
    with pytest.raises(TokenError, match="token already used"):
        worker.verify(token)


def test_a_token_of_another_worker_is_refused_saying_whose_it_is() -> None:
    token = TokenSigner(SECRET, 30).issue(worker="worker-a")
    with pytest.raises(TokenError) as refused:
        TokenSigner(SECRET, 30, worker="worker-b").verify(token)
    assert str(refused.value) == (
        "this token was issued for worker 'worker-a', not this one ('worker-b'): "
        "connect to the wsUrl that POST /start returned with it"
    )


def test_a_worker_refuses_an_unbound_token_and_a_lone_server_a_bound_one() -> None:
    with pytest.raises(TokenError, match="issued for worker '', not this one"):
        TokenSigner(SECRET, 30, worker="worker-a").verify(TokenSigner(SECRET, 30).issue())
    with pytest.raises(TokenError, match="issued for worker 'worker-a'"):
        TokenSigner(SECRET, 30).verify(TokenSigner(SECRET, 30).issue(worker="worker-a"))


def test_an_expired_token_is_refused() -> None:
    token = TokenSigner(SECRET, 30).issue(now=1000.0, worker="worker-a")
    with pytest.raises(TokenError, match="token expired"):
        TokenSigner(SECRET, 30, worker="worker-a").verify(token, now=1031.0)


def test_the_worker_id_is_signed_and_bounded() -> None:
    token = TokenSigner(SECRET, 30).issue(worker="worker-a")
    with pytest.raises(TokenError, match="invalid token signature"):
        TokenSigner("another-secret-of-16+", 30, worker="worker-a").verify(token)
    with pytest.raises(ValueError, match=f"at most {MAX_WORKER_ID_BYTES} bytes"):
        TokenSigner(SECRET, 30).issue(worker="w" * (MAX_WORKER_ID_BYTES + 1))
    with pytest.raises(ValueError, match="at least 16 bytes"):
        TokenSigner("short", 30)
