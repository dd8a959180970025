"""Three workers and two gateways as real processes on a real ``redis-server`` (issue 14's Done-when).

Dispatch under a ``/start`` storm, tokens bound to their worker, unclaimed slots released,
a worker killed with SIGKILL, a worker drained with SIGTERM, a rolling restart, Redis lost
and back, and Redis down at start.
No timing is asserted: conditions are waited for, with a deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import anyio
import httpx
import pytest
from cluster_support import (
    ENV,
    Cluster,
    bot_file,
    eventually,
    health,
    post_start,
    rtvi_session,
    running_cluster,
)
from redis_support import RedisServer, free_port

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

#: Seconds an HTTP call or a process exit may take.
DEADLINE = 60.0


@pytest.fixture
def cluster(redis_server: RedisServer, tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(redis_server, bot_file(tmp_path)) as running:
        yield running


async def test_a_start_storm_never_admits_more_than_the_capacity_and_spreads_the_load(cluster: Cluster) -> None:
    answers: list[httpx.Response] = []

    async def caller(index: int, http: httpx.AsyncClient) -> None:
        for call in range(10):
            answers.append(await post_start(http, cluster.gateways[(index + call) % 2]))

    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(limits=limits, timeout=DEADLINE) as http, anyio.create_task_group() as group:
        for index in range(50):
            group.start_soon(caller, index, http)
    assert len(answers) == 500
    admitted = [answer.json() for answer in answers if answer.status_code == 200]
    refused = [answer for answer in answers if answer.status_code != 200]
    assert len(admitted) == 30  # 3 workers x max_sessions 10, all free: exactly the capacity
    assert Counter(cluster.worker_of(answer["wsUrl"]) for answer in admitted) == {0: 10, 1: 10, 2: 10}
    assert len({answer["token"] for answer in admitted}) == 30
    for answer in refused:
        assert answer.status_code == 503 and answer.headers["retry-after"] == "2"
        assert "full or draining" in answer.json()["info"], answer.json()
    async with httpx.AsyncClient() as http:
        state = await health(http, cluster.gateways[1])
        assert (state["capacity"], state["reserved"], state["sessions"]) == (30, 30, 0)
        assert state["bots"]["echo"]["workers"] == 3 and len(state["workers"]) == 3
        metrics = [(await http.get(f"{gateway.url}metrics")).text for gateway in cluster.gateways]
    ok = sum(_sample(text, 'rtvi_start_requests_total{outcome="ok"}') for text in metrics)
    full = sum(_sample(text, 'rtvi_start_requests_total{outcome="full"}') for text in metrics)
    counted = sum(_sample(text, "rtvi_dispatch_seconds_count") for text in metrics)
    assert (ok, full, counted) == (30, 470, 500)


def _sample(exposition: str, name: str) -> float:
    """The value of the sample ``name`` in a Prometheus text exposition (0 when absent)."""
    for line in exposition.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


async def test_a_token_is_refused_by_another_worker_and_opens_a_session_once_on_its_own(cluster: Cluster) -> None:
    async with httpx.AsyncClient() as http:
        answer = (await post_start(http, cluster.gateways[0])).json()
        mine = cluster.worker_of(answer["wsUrl"])
        other = cluster.workers[(mine + 1) % 3]
        async with rtvi_session(f"ws://127.0.0.1:{other.port}/ws", answer["token"]) as wrong:
            code, reason = await wrong.closed()
        assert code == 4003 and "this token was issued for worker" in reason, (code, reason)
        async with rtvi_session(answer["wsUrl"], answer["token"]) as session:
            await session.ready()
            assert "tomatoes please" in await session.echo("tomatoes please")

            async def counted() -> bool:
                workers = (await health(http, cluster.gateways[1]))["workers"]
                return [
                    (w["sessions"], w["reserved"])
                    for w in workers
                    if w["url"].endswith(f":{cluster.workers[mine].port}")
                ] == [(1, 0)]

            await eventually(counted, "the gateway counts the session, not its reservation")
            async with rtvi_session(answer["wsUrl"], answer["token"]) as again:
                code, reason = await again.closed()
            assert (code, reason) == (4003, "token already used")

        async def released() -> bool:
            return (await health(http, cluster.gateways[0]))["sessions"] == 0

        await eventually(released, "the ended session's slot comes back")

        # A worker's own /start dispatches like a gateway's: to the least-loaded worker, maybe another.
        answer = (await post_start(http, cluster.workers[0])).json()
        async with rtvi_session(answer["wsUrl"], answer["token"]) as session:
            await session.ready()


async def test_a_reserved_slot_not_claimed_within_the_token_ttl_is_released(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    with running_cluster(
        redis_server, bot_file(tmp_path, max_sessions=2), workers=1, gateways=1, token_ttl_secs=1
    ) as cluster:
        async with httpx.AsyncClient() as http:
            statuses = [(await post_start(http, cluster.gateways[0])).status_code for _ in range(3)]
            assert statuses == [200, 200, 503]

            async def free_again() -> bool:
                return (await post_start(http, cluster.gateways[0])).status_code == 200

            await eventually(free_again, "the unclaimed slots are released")


async def test_a_killed_worker_leaves_dispatch_within_its_ttl_and_its_slots_come_back(
    cluster: Cluster, tmp_path: Path
) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(30):
            assert (await post_start(http, cluster.gateways[0])).status_code == 200
        victim = cluster.workers[2]
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(10)

        async def removed() -> bool:
            state = await health(http, cluster.gateways[1])
            return len(state["workers"]) == 2 and (state["capacity"], state["reserved"]) == (20, 20)

        await eventually(removed, "the killed worker and its 10 reservations leave the cluster")
        assert all(
            not worker["url"].endswith(f":{victim.port}")
            for worker in (await health(http, cluster.gateways[0]))["workers"]
        )
        replacement = cluster.add_worker(bot_file(tmp_path))
        answers = [await post_start(http, cluster.gateways[1]) for _ in range(11)]
        assert [answer.status_code for answer in answers] == [200] * 10 + [503]
        assert {cluster.worker_of(answer.json()["wsUrl"]) for answer in answers[:10]} == {
            cluster.workers.index(replacement)
        }


async def test_sigterm_drains_a_worker_then_it_leaves_the_cluster(redis_server: RedisServer, tmp_path: Path) -> None:
    # A long heartbeat TTL: the worker is gone from the cluster because it left, not because its keys expired.
    bot = bot_file(tmp_path, heartbeat_ttl_secs=120)
    with running_cluster(redis_server, bot, workers=2, gateways=2) as cluster:
        await drain_one(cluster)


async def drain_one(cluster: Cluster) -> None:
    """SIGTERM a worker holding a session: no dispatch to it, the session goes on, it leaves when it ends."""
    async with httpx.AsyncClient() as http:
        answer = (await post_start(http, cluster.gateways[0])).json()
        drained = cluster.workers[cluster.worker_of(answer["wsUrl"])]
        async with rtvi_session(answer["wsUrl"], answer["token"]) as session:
            await session.ready()
            drained.process.send_signal(signal.SIGTERM)

            async def draining() -> bool:
                workers = (await health(http, cluster.gateways[1]))["workers"]
                return any(w["draining"] for w in workers if w["url"].endswith(f":{drained.port}"))

            await eventually(draining, "the gateway sees the worker draining")
            answers = [(await post_start(http, cluster.gateways[0])).json() for _ in range(10)]
            assert all(cluster.workers[cluster.worker_of(a["wsUrl"])] is not drained for a in answers)
            assert "still here" in await session.echo("still here")  # the running session goes on
        assert drained.process.wait(DEADLINE) == 0

        state = await health(http, cluster.gateways[1])
        assert len(state["workers"]) == 1 and state["capacity"] == 10, state
    assert not any("Traceback" in line for line in drained.log), "".join(drained.log)


async def test_redis_lost_and_back(cluster: Cluster) -> None:
    async with httpx.AsyncClient(timeout=DEADLINE) as http:
        answer = (await post_start(http, cluster.gateways[0])).json()
        worker = cluster.workers[cluster.worker_of(answer["wsUrl"])]
        async with rtvi_session(answer["wsUrl"], answer["token"]) as session:
            await session.ready()
            cluster.redis.stop()
            for server in (cluster.gateways[0], cluster.workers[0]):
                refused = await post_start(http, server)
                assert refused.status_code == 503 and refused.headers["retry-after"], refused.text
                assert "is unreachable" in refused.json()["info"] and cluster.redis.url in refused.json()["info"]
            assert (await http.get(f"{cluster.gateways[1].url}health")).status_code == 503
            assert "during the outage" in await session.echo("during the outage")

            async def lost() -> bool:
                return (await health(http, worker))["cluster"]["redis"] == "unreachable"

            await eventually(lost, "the worker notices Redis is gone")
            cluster.redis.start()  # the same port, its data gone

            async def back() -> bool:
                response = await http.get(f"{cluster.gateways[1].url}health")
                return response.status_code == 200 and len(response.json()["workers"]) == 3

            await eventually(back, "every worker registers again")
            assert "after the outage" in await session.echo("after the outage")
            assert (await post_start(http, cluster.gateways[0])).status_code == 200
            state = await health(http, cluster.gateways[0])
            assert [w["sessions"] for w in state["workers"] if w["url"].endswith(f":{worker.port}")] == [1]
    for served in (*cluster.workers, *cluster.gateways):
        assert served.process.poll() is None
        assert sum("lost the cluster's Redis" in line for line in served.log) <= 1, "".join(served.log)


@pytest.mark.parametrize("command", ["run", "gateway"])
def test_redis_down_at_start_is_a_clear_error_and_exit_code(command: str, tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    args = [str(bot_file(tmp_path)), "--cluster", url] if command == "run" else ["--cluster", url]
    environ = {k: v for k, v in os.environ.items() if k != "RTVI_DISABLE_PLUGIN_AUTOLOAD"} | ENV
    done = subprocess.run(
        [sys.executable, "-m", "rtvi_core.cli", command, *args, "--port", "0"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=DEADLINE,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"Redis at {url} is unreachable" in done.stderr, done.stderr


async def test_a_rolling_restart_drops_no_session(redis_server: RedisServer, tmp_path: Path) -> None:
    bot = bot_file(tmp_path)
    with running_cluster(redis_server, bot, workers=2, gateways=1) as cluster:
        old = list(cluster.workers)
        async with httpx.AsyncClient() as http, AsyncExitStack() as sessions:
            answers = [(await post_start(http, cluster.gateways[0])).json() for _ in old]
            assert {cluster.worker_of(answer["wsUrl"]) for answer in answers} == {0, 1}  # one on each
            clients = [await sessions.enter_async_context(rtvi_session(a["wsUrl"], a["token"])) for a in answers]
            for client in clients:
                await client.ready()
            for index, answer in enumerate(answers):
                worker = cluster.workers[cluster.worker_of(answer["wsUrl"])]
                cluster.add_worker(bot)  # the new version joins, then the old one drains
                worker.process.send_signal(signal.SIGTERM)
                assert f"turn {index}" in await clients[index].echo(f"turn {index}")
                await clients[index].ws.close()
                assert worker.process.wait(DEADLINE) == 0
            state = await health(http, cluster.gateways[0])
            urls = {w["url"] for w in state["workers"]}
            assert urls == {f"http://127.0.0.1:{w.port}" for w in cluster.workers if w not in old}
            assert (await post_start(http, cluster.gateways[0])).status_code == 200
