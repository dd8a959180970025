"""Import time of each server stack, marginal over what rtvi_core already imports (asyncio, anyio,
json, ...): median of N fresh interpreters. Run: python importtime.py [N]"""
import statistics
import subprocess
import sys

STACKS = {
    "websockets": "import websockets.asyncio.server",
    "h11wsproto": "import h11, wsproto.connection, wsproto.events",
    "aiohttp": "import aiohttp.web",
    "uvicorn-sansio (httptools)": "import uvicorn, uvicorn.protocols.http.httptools_impl, uvicorn.protocols.websockets.websockets_sansio_impl",
    "uvicorn-wsproto (httptools)": "import uvicorn, uvicorn.protocols.http.httptools_impl, uvicorn.protocols.websockets.wsproto_impl",
    "fastapi (uvicorn h11 + sansio)": "import fastapi, uvicorn, uvicorn.protocols.http.h11_impl, uvicorn.protocols.websockets.websockets_sansio_impl",
}
PRE = "import asyncio, json, logging, ssl, anyio, anyio.streams.buffered\n"
N = int(sys.argv[1]) if len(sys.argv) > 1 else 9
for name, stmt in STACKS.items():
    code = PRE + f"import time\nt=time.perf_counter()\n{stmt}\nprint(time.perf_counter()-t)"
    xs = [float(subprocess.check_output([sys.executable, "-c", code])) * 1e3 for _ in range(N)]
    print(f"{name}: {statistics.median(xs):.1f} ms (min {min(xs):.1f})", flush=True)
