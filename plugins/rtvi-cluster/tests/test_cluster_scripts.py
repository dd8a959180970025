"""The cluster's Lua scripts and Redis data model, against a real ``redis-server``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
import pytest
from redis_support import RedisServer
from rtvi_cluster.store import ClusterStore, WorkerState

pytestmark = pytest.mark.anyio

TTL_MS = 60_000


@pytest.fixture
async def store(redis_server: RedisServer) -> AsyncIterator[ClusterStore]:
    store = ClusterStore(redis_server.url, "test")
    try:
        yield store
    finally:
        await store.close()


def worker(
    worker_id: str, *, bot: str = "echo", max_sessions: int = 10, sessions: int = 0, draining: bool = False
) -> WorkerState:
    return WorkerState(worker_id, f"http://{worker_id}:7860", bot, "1.0", max_sessions, sessions, draining)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    with anyio.fail_after(timeout):
        while not await check():
            await anyio.sleep(0.02)


async def test_an_empty_cluster_has_no_worker(store: ClusterStore) -> None:
    assert (await store.reserve("", "r1", TTL_MS)).status == "empty"
    assert await store.overview() == []


async def test_an_unknown_bot_is_named_with_the_cluster_bots(store: ClusterStore) -> None:
    await store.publish(worker("a", bot="echo"), TTL_MS, [])
    await store.publish(worker("b", bot="concierge"), TTL_MS, [])
    found = await store.reserve("nope", "r1", TTL_MS)
    assert (found.status, found.detail) == ("unknown", "concierge, echo")


async def test_no_bot_named_picks_the_only_bot_and_refuses_when_there_are_several(store: ClusterStore) -> None:
    await store.publish(worker("a"), TTL_MS, [])
    found = await store.reserve("", "r1", TTL_MS)
    assert (found.status, found.worker_id, found.url) == ("ok", "a", "http://a:7860")
    await store.publish(worker("b", bot="other"), TTL_MS, [])
    found = await store.reserve("", "r2", TTL_MS)
    assert (found.status, found.detail) == ("ambiguous", "echo, other")


async def test_the_least_loaded_worker_by_share_of_its_capacity_is_picked(store: ClusterStore) -> None:
    await store.publish(worker("big", max_sessions=100, sessions=50), TTL_MS, [])
    await store.publish(worker("small", max_sessions=4, sessions=1), TTL_MS, [])
    assert (await store.reserve("echo", "r1", TTL_MS)).worker_id == "small"  # 25 % < 50 %
    assert (await store.reserve("echo", "r2", TTL_MS)).worker_id == "big"  # small: 2/4 = 50 %, big has more free


async def test_reservations_count_until_full_and_draining_workers_take_none(store: ClusterStore) -> None:
    await store.publish(worker("a", max_sessions=2, sessions=1), TTL_MS, [])
    await store.publish(worker("b", max_sessions=5, draining=True), TTL_MS, [])
    assert (await store.reserve("echo", "r1", TTL_MS)).worker_id == "a"
    full = await store.reserve("echo", "r2", TTL_MS)
    assert (full.status, full.detail, full.bot) == ("full", "2", "echo")  # the draining worker's 5 do not count
    overview = {row["id"]: row for row in await store.overview()}
    assert overview["a"]["reserved"] == 1 and overview["a"]["sessions"] == 1
    assert overview["b"]["draining"] is True


async def test_a_claimed_reservation_is_dropped_with_the_heartbeat_that_counts_its_session(store: ClusterStore) -> None:
    await store.publish(worker("a", max_sessions=1), TTL_MS, [])
    assert (await store.reserve("echo", "r1", TTL_MS)).status == "ok"
    await store.publish(worker("a", max_sessions=1, sessions=1), TTL_MS, ["r1"])
    [row] = await store.overview()
    assert (row["sessions"], row["reserved"]) == (1, 0)
    assert (await store.reserve("echo", "r2", TTL_MS)).status == "full"


async def test_an_unclaimed_reservation_expires(store: ClusterStore) -> None:
    await store.publish(worker("a", max_sessions=1), TTL_MS, [])
    assert (await store.reserve("echo", "r1", 200)).status == "ok"

    async def released() -> bool:
        return (await store.overview())[0]["reserved"] == 0

    await eventually(released)
    assert (await store.reserve("echo", "r2", TTL_MS)).status == "ok"


async def test_a_worker_whose_heartbeat_expired_is_removed_with_its_reservations(store: ClusterStore) -> None:
    await store.publish(worker("dead", max_sessions=5), 300, [])
    await store.publish(worker("alive", max_sessions=5, sessions=4), TTL_MS, [])
    assert (await store.reserve("echo", "r1", TTL_MS)).worker_id == "dead"
    keys = store.keys

    async def expired() -> bool:
        return not await store.redis.exists(keys.worker("dead"))

    await eventually(expired)
    assert (await store.reserve("echo", "r2", TTL_MS)).worker_id == "alive"
    assert not await store.redis.sismember(keys.workers, "dead")
    assert not await store.redis.exists(keys.reservations("dead"))
    assert [row["id"] for row in await store.overview()] == ["alive"]


async def test_a_worker_hash_with_a_bad_capacity_is_never_picked(store: ClusterStore) -> None:
    await store.publish(worker("a"), TTL_MS, [])
    await store.redis.hset(store.keys.worker("a"), "max_sessions", "lots")
    assert (await store.reserve("echo", "r1", TTL_MS)).status == "full"


async def test_leaving_deletes_the_worker_keys(store: ClusterStore) -> None:
    await store.publish(worker("a"), TTL_MS, [])
    await store.reserve("echo", "r1", TTL_MS)
    await store.remove("a")
    assert await store.redis.keys("*") == []


async def test_the_reservations_key_expires_with_its_last_reservation(store: ClusterStore) -> None:
    await store.publish(worker("a"), TTL_MS, [])
    await store.reserve("echo", "long", TTL_MS)
    await store.reserve("echo", "short", 1000)  # never shortens the key's life below the longer one's
    assert await store.redis.pttl(store.keys.reservations("a")) > 1000


async def test_clusters_of_other_names_are_apart(store: ClusterStore, redis_server: RedisServer) -> None:
    other = ClusterStore(redis_server.url, "other")
    try:
        await other.publish(worker("a"), TTL_MS, [])
        assert (await store.reserve("", "r1", TTL_MS)).status == "empty"
    finally:
        await other.close()
