"""Load client + driver for the WebSocket-server comparison.

For each round (server order alternates between rounds) and each server kind:
  start `servers.py KIND PORT` in its own process, warm up, then measure
  * idle RSS: VmRSS delta after opening 200 connections (each did one round trip), / 200
  * POST /start: server CPU per request (200 sequential requests, new TCP connection each, JSON body)
  * for M in 1, 10, 50, 200 clients (all connected first), 50 sequential round trips per client:
    server CPU per round trip (sum of /proc/PID/task/*/schedstat run time, ns resolution;
    utime+stime from /proc/PID/stat is recorded too) and client-side round-trip p50/p99.
One client implementation for all: websockets (asyncio API), compression off, in this process.

Run: python bench.py --rounds 5 --out results.json [--kinds a,b,...]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time

from websockets.asyncio.client import connect

HERE = os.path.dirname(os.path.abspath(__file__))
# schedstat CPU, VmRSS and the RTVI frame: shared with benchmarks/scenarios/ws_sessions.py
sys.path.insert(0, os.path.join(HERE, "..", "..", "ws"))
from procstat import TICKS_PER_SECOND as TICK, cpu_ns, cpu_ticks, rss_kib  # noqa: E402
from wire import encode_message, rtvi  # noqa: E402  (the RTVI frame ws_sessions sends too)

KINDS = ["fastapi", "raw", "wssansio", "wssansio-anyio", "websockets", "h11wsproto", "aiohttp", "uvicorn-sansio", "uvicorn-websockets", "uvicorn-wsproto"]
PAYLOAD = encode_message(rtvi("client-message", "c0ffee12", {"t": "get-weather", "d": {"city": "Paris", "units": "metric"}}))


async def http(port: int, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    r, w = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await _http(r, w, port, method, path, body)
    except ConnectionResetError:
        return 0, b""


async def _http(r, w, port, method, path, body):
    hdr = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
           f"Origin: http://localhost:5173\r\n")
    if method == "POST":
        hdr += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    w.write(hdr.encode() + b"\r\n" + body)
    data = await r.read()
    w.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    if not head:
        return 0, b""  # connection closed without any response
    return int(head.split(b" ", 2)[1]), rest


async def open_clients(port: int, m: int):
    conns = []
    for i in range(0, m, 50):  # connect in batches of 50
        conns += await asyncio.gather(*[
            connect(f"ws://127.0.0.1:{port}/ws", compression=None, max_size=None,
                    ping_interval=None, open_timeout=30)
            for _ in range(min(50, m - i))])
    return conns


async def one_client(ws, n: int, lat: list[float]):
    for _ in range(n):
        t0 = time.perf_counter_ns()
        await ws.send(PAYLOAD)
        reply = await ws.recv()
        lat.append((time.perf_counter_ns() - t0) / 1e3)
        assert reply == PAYLOAD


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


async def measure(kind: str, port: int, pid: int, ms=(1, 10, 50, 200), n_per=50, extras=True) -> dict:
    res: dict = {"kind": kind}
    if not extras:
        warm = await open_clients(port, 5)
        await asyncio.gather(*[one_client(w, 20, []) for w in warm])
        await asyncio.gather(*[w.close() for w in warm])
        await asyncio.sleep(0.3)
        return await measure_rt(res, port, pid, ms, n_per)
    # HTTP endpoints + warm-up
    st, body = await http(port, "POST", "/start", b'{"transport":"websocket","body":{"a":1}}')
    res["start_status"], res["start_body"] = st, body.decode(errors="replace")
    res["health_status"] = (await http(port, "GET", "/health"))[0]
    res["index_status"] = (await http(port, "GET", "/"))[0]
    st0, _ = await http(port, "POST", "/start")  # empty body
    res["start_empty_status"] = st0
    warm = await open_clients(port, 5)
    await asyncio.gather(*[one_client(w, 20, []) for w in warm])
    await asyncio.gather(*[w.close() for w in warm])
    await asyncio.sleep(0.3)

    # idle RSS per connected session
    r0 = rss_kib(pid)
    conns = await open_clients(port, 200)
    await asyncio.gather(*[one_client(w, 1, []) for w in conns])
    await asyncio.sleep(0.5)
    r1 = rss_kib(pid)
    res["idle_rss_per_conn_kib"] = (r1 - r0) / 200
    res["rss_base_kib"] = r0
    await asyncio.gather(*[w.close() for w in conns])
    await asyncio.sleep(0.3)

    # POST /start CPU
    if res["start_status"] == 200:
        c0 = cpu_ns(pid)
        for _ in range(200):
            await http(port, "POST", "/start", b'{"transport":"websocket"}')
        res["start_cpu_us"] = (cpu_ns(pid) - c0) / 200 / 1e3
    else:
        c0 = cpu_ns(pid)
        for _ in range(200):
            await http(port, "GET", "/health")
        res["health_cpu_us"] = (cpu_ns(pid) - c0) / 200 / 1e3

    return await measure_rt(res, port, pid, ms, n_per)


async def measure_rt(res, port, pid, ms, n_per):
    for m in ms:
        conns = await open_clients(port, m)
        await asyncio.sleep(0.1)
        lat: list[float] = []
        c0, t0 = cpu_ns(pid), cpu_ticks(pid)
        w0 = time.perf_counter()
        await asyncio.gather(*[one_client(w, n_per, lat) for w in conns])
        wall = time.perf_counter() - w0
        c1, t1 = cpu_ns(pid), cpu_ticks(pid)
        n = m * n_per
        res[f"m{m}"] = {"cpu_us_per_rt": (c1 - c0) / n / 1e3,
                        "cpu_us_per_rt_ticks": (t1 - t0) / TICK / n * 1e6,
                        "p50_ms": pct(lat, 0.5) / 1e3, "p99_ms": pct(lat, 0.99) / 1e3,
                        "rt_per_s": n / wall}
        await asyncio.gather(*[w.close() for w in conns])
        await asyncio.sleep(0.2)
    return res


def start_server(kind: str, port: int, python: str) -> subprocess.Popen:
    p = subprocess.Popen([python, os.path.join(HERE, "servers.py"), kind, str(port)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if "READY" not in line:
        p.kill()
        raise RuntimeError(f"{kind} did not start: {line!r} {p.stderr.read()[:2000]}")
    time.sleep(0.2)
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--out", default="results.json")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--ms", default="1,10,50,200", help="client counts")
    ap.add_argument("--n", type=int, default=50, help="sequential round trips per client")
    ap.add_argument("--no-extras", action="store_true", help="skip HTTP, /start CPU and idle-RSS measurements")
    a = ap.parse_args()
    ms = tuple(int(x) for x in a.ms.split(","))
    kinds = a.kinds.split(",")
    all_res = []
    port = 18000 + random.randrange(1000)
    for rnd in range(a.rounds):
        order = kinds if rnd % 2 == 0 else kinds[::-1]
        for kind in order:
            port += 1
            p = start_server(kind, port, a.python)
            try:
                r = asyncio.run(measure(kind, port, p.pid, ms, a.n, not a.no_extras))
                r["round"] = rnd
                all_res.append(r)
                print(kind, rnd, json.dumps({k: v for k, v in r.items() if k != "start_body"}), flush=True)
            finally:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
            with open(a.out, "w") as f:
                json.dump(all_res, f, indent=1)


if __name__ == "__main__":
    main()
