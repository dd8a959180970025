"""Minimal echo servers for the WebSocket-server comparison (docs/dev-notes/websocket-server-options.md).

Each server: GET /health -> {"status":"ok"}, GET / -> small HTML page,
POST /start (JSON body allowed) -> {"wsUrl": "ws://host:port/ws"}, GET /ws (WebSocket):
every binary message is answered with one binary message (echo), like an RTVI
client-message -> server-response round trip. Max message size 1 MiB + 64 everywhere,
no permessage-deflate, no access log.

Run: python servers.py KIND PORT   (prints READY when listening)
KINDS: websockets, h11wsproto, aiohttp, uvicorn-websockets, uvicorn-sansio, uvicorn-wsproto, fastapi,
       raw (hand-rolled floor), wssansio (websockets Sans-I/O + own HTTP head parser),
       wssansio-anyio (the same on anyio byte streams)
"""

import json
import sys

MAX = 2**20 + 64
HTML = b"<!doctype html><title>playground</title><p>hello</p>"


def start_body(host: str) -> bytes:
    return json.dumps({"wsUrl": f"ws://{host}/ws"}).encode()


# ---------------------------------------------------------------- (a) websockets
def run_websockets(port: int) -> None:
    import asyncio
    import http
    from websockets.asyncio.server import serve
    from websockets.datastructures import Headers
    from websockets.http11 import Response

    def resp(status, body, ctype):
        return Response(status, http.HTTPStatus(status).phrase,
                        Headers([("Content-Type", ctype), ("Content-Length", str(len(body)))]), body)

    def process_request(conn, request):
        if request.path == "/health":
            return resp(200, b'{"status":"ok"}', "application/json")
        if request.path == "/":
            return resp(200, HTML, "text/html")
        if request.path == "/start" and request.method == "POST":
            return resp(200, start_body(request.headers.get("Host", "")), "application/json")
        if request.path != "/ws":
            return resp(404, b"not found", "text/plain")
        return None

    async def handler(ws):
        async for msg in ws:
            await ws.send(msg)

    async def main():
        async with serve(handler, "127.0.0.1", port, process_request=process_request,
                         max_size=MAX, compression=None) as server:
            print("READY", flush=True)
            await server.serve_forever()

    asyncio.run(main())


# ------------------------------------------------------------ (b) h11 + wsproto on anyio
def run_h11wsproto(port: int) -> None:
    import base64
    import hashlib

    import anyio
    import h11
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
    from wsproto.frame_protocol import CloseReason

    GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    async def http_reply(stream, conn, status, body, ctype):
        out = conn.send(h11.Response(status_code=status, headers=[
            ("Content-Type", ctype), ("Content-Length", str(len(body)))]))
        out += conn.send(h11.Data(data=body)) + conn.send(h11.EndOfMessage())
        await stream.send(out)

    async def websocket(stream, trailing: bytes):
        ws = Connection(ConnectionType.SERVER)
        buf = bytearray()
        data = trailing
        while True:
            if data:
                ws.receive_data(data)
                out = bytearray()
                for ev in ws.events():
                    if isinstance(ev, BytesMessage):
                        buf += ev.data
                        if len(buf) > MAX:  # enforced per chunk, before the message is complete
                            await stream.send(ws.send(CloseConnection(code=CloseReason.MESSAGE_TOO_BIG)))
                            return
                        if ev.message_finished:
                            out += ws.send(BytesMessage(data=bytes(buf)))
                            buf.clear()
                    elif isinstance(ev, TextMessage):
                        pass
                    elif isinstance(ev, Ping):
                        out += ws.send(ev.response())
                    elif isinstance(ev, CloseConnection):
                        await stream.send(bytes(out) + ws.send(ev.response()))
                        return
                if out:
                    await stream.send(bytes(out))
            try:
                data = await stream.receive(65536)
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                return

    async def handle(stream):
        async with stream:
            conn = h11.Connection(h11.SERVER, max_incomplete_event_size=16384)
            while True:
                ev = conn.next_event()
                if ev is h11.NEED_DATA:
                    try:
                        conn.receive_data(await stream.receive(65536))
                    except (anyio.EndOfStream, anyio.BrokenResourceError):
                        return
                    continue
                if isinstance(ev, h11.Request):
                    hdrs = {k.lower(): v for k, v in ev.headers}
                    path = ev.target.split(b"?")[0]
                    if path == b"/ws" and hdrs.get(b"upgrade", b"").lower() == b"websocket":
                        key = hdrs.get(b"sec-websocket-key", b"")
                        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
                        out = conn.send(h11.InformationalResponse(status_code=101, headers=[
                            ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                            ("Sec-WebSocket-Accept", accept)]))
                        await stream.send(out)
                        trailing, _closed = conn.trailing_data
                        await websocket(stream, trailing)
                        return
                    body = bytearray()
                    while True:  # read the request body (bounded by h11 framing; cap it)
                        e2 = conn.next_event()
                        if e2 is h11.NEED_DATA:
                            conn.receive_data(await stream.receive(65536))
                        elif isinstance(e2, h11.Data):
                            body += e2.data
                            if len(body) > 65536:
                                return
                        else:
                            break
                    if path == b"/health":
                        await http_reply(stream, conn, 200, b'{"status":"ok"}', "application/json")
                    elif path == b"/":
                        await http_reply(stream, conn, 200, HTML, "text/html")
                    elif path == b"/start" and ev.method == b"POST":
                        await http_reply(stream, conn, 200, start_body(hdrs.get(b"host", b"").decode()), "application/json")
                    else:
                        await http_reply(stream, conn, 404, b"not found", "text/plain")
                    if conn.our_state is h11.MUST_CLOSE:
                        return
                    conn.start_next_cycle()
                elif isinstance(ev, h11.ConnectionClosed):
                    return
                else:
                    return

    async def main():
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=port)
        print("READY", flush=True)
        await listener.serve(handle)

    anyio.run(main)


# ------------------------------------------------------------------- (c) aiohttp
def run_aiohttp(port: int) -> None:
    from aiohttp import WSMsgType, web

    async def health(_):
        return web.json_response({"status": "ok"})

    async def index(_):
        return web.Response(body=HTML, content_type="text/html")

    async def start(request):
        await request.read()
        return web.Response(body=start_body(request.host), content_type="application/json")

    async def ws_handler(request):
        ws = web.WebSocketResponse(max_msg_size=MAX, compress=False)
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
        return ws

    app = web.Application()
    app.add_routes([web.get("/health", health), web.get("/", index),
                    web.post("/start", start), web.get("/ws", ws_handler)])
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=lambda *a: print("READY", flush=True))


# --------------------------------------------------------- (d) uvicorn + raw ASGI app
async def asgi_app(scope, receive, send):
    if scope["type"] == "http":
        path = scope["path"]
        more = True
        while more:
            m = await receive()
            more = m.get("more_body", False)
        if path == "/health":
            status, body, ct = 200, b'{"status":"ok"}', b"application/json"
        elif path == "/":
            status, body, ct = 200, HTML, b"text/html"
        elif path == "/start" and scope["method"] == "POST":
            host = dict(scope["headers"]).get(b"host", b"").decode()
            status, body, ct = 200, start_body(host), b"application/json"
        else:
            status, body, ct = 404, b"not found", b"text/plain"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", ct), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
    elif scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while True:
            m = await receive()
            if m["type"] == "websocket.disconnect":
                return
            b = m.get("bytes")
            if b is not None:
                await send({"type": "websocket.send", "bytes": b})


def run_uvicorn(port: int, ws: str, app=asgi_app, http: str = "httptools") -> None:
    import uvicorn

    cfg = uvicorn.Config(app, host="127.0.0.1", port=port, http=http, ws=ws, lifespan="off",
                         log_level="warning", access_log=False, ws_max_size=MAX,
                         ws_per_message_deflate=False)
    server = uvicorn.Server(cfg)
    import asyncio

    async def main():
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        print("READY", flush=True)
        await task

    asyncio.run(main())


# -------------------------------------------- reference: FastAPI under uvicorn (Pipecat runner stack)
def make_fastapi():
    from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
    from fastapi.responses import HTMLResponse

    app = FastAPI()

    @app.get("/health")
    async def health():
        return {"status": "ok"}

    @app.get("/")
    async def index():
        return HTMLResponse(HTML)

    @app.post("/start")
    async def start(request: Request):
        await request.body()
        return {"wsUrl": f"ws://{request.headers.get('host', '')}/ws"}

    @app.websocket("/ws")
    async def ws(websocket: WebSocket):
        await websocket.accept()
        try:
            while True:
                data = await websocket.receive_bytes()
                await websocket.send_bytes(data)
        except WebSocketDisconnect:
            pass

    return app


# ------------------------------------ floor: hand-rolled RFC 6455 on an asyncio.Protocol (no deps)
def run_raw(port: int) -> None:
    """Not a candidate as such: the floor, i.e. what the same work costs with no library at all."""
    import asyncio
    import base64
    import hashlib
    import struct

    GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def unmask(key: bytes, data: bytes) -> bytes:
        n = len(data)
        k = int.from_bytes((key * (n // 4 + 1))[:n], "little")
        return (int.from_bytes(data, "little") ^ k).to_bytes(n, "little")

    def frame(opcode: int, payload: bytes) -> bytes:
        n = len(payload)
        if n < 126:
            return bytes((0x80 | opcode, n)) + payload
        if n < 65536:
            return struct.pack("!BBH", 0x80 | opcode, 126, n) + payload
        return struct.pack("!BBQ", 0x80 | opcode, 127, n) + payload

    class Proto(asyncio.Protocol):
        def connection_made(self, tr):
            self.tr, self.buf, self.ws, self.msg, self.op = tr, bytearray(), False, bytearray(), 0

        def http(self, status, body, ctype):
            self.tr.write(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                          f"Connection: close\r\n\r\n".encode() + body)
            self.tr.close()

        def data_received(self, data):
            self.buf += data
            if not self.ws:
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.buf) > 16384:
                        self.http("431 Request Header Fields Too Large", b"", "text/plain")
                    return
                lines = bytes(self.buf[:end]).split(b"\r\n")
                method, target, _ = lines[0].split(b" ", 2)
                hdrs = {}
                for ln in lines[1:]:
                    k, _, v = ln.partition(b":")
                    hdrs[k.strip().lower()] = v.strip()
                clen = int(hdrs.get(b"content-length", b"0"))
                if clen > 65536:
                    return self.http("413 Content Too Large", b"", "text/plain")
                if len(self.buf) < end + 4 + clen:
                    return
                del self.buf[:end + 4 + clen]
                path = target.split(b"?")[0]
                if path == b"/ws" and hdrs.get(b"upgrade", b"").lower() == b"websocket":
                    acc = base64.b64encode(hashlib.sha1(hdrs[b"sec-websocket-key"] + GUID).digest())
                    self.tr.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                  b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")
                    self.ws = True
                elif path == b"/health":
                    return self.http("200 OK", b'{"status":"ok"}', "application/json")
                elif path == b"/":
                    return self.http("200 OK", HTML, "text/html")
                elif path == b"/start" and method == b"POST":
                    return self.http("200 OK", start_body(hdrs.get(b"host", b"").decode()), "application/json")
                else:
                    return self.http("404 Not Found", b"", "text/plain")
            buf = self.buf
            while len(buf) >= 2:
                b0, b1 = buf[0], buf[1]
                n, pos = b1 & 0x7F, 2
                if n == 126:
                    if len(buf) < 4:
                        return
                    n, pos = struct.unpack_from("!H", buf, 2)[0], 4
                elif n == 127:
                    if len(buf) < 10:
                        return
                    n, pos = struct.unpack_from("!Q", buf, 2)[0], 10
                if len(self.msg) + n > MAX:  # checked from the header, before any payload is buffered
                    self.tr.write(frame(8, struct.pack("!H", 1009)))
                    self.tr.close()
                    return
                if len(buf) < pos + 4 + n:
                    return
                payload = unmask(bytes(buf[pos:pos + 4]), bytes(buf[pos + 4:pos + 4 + n]))
                del buf[:pos + 4 + n]
                op = b0 & 0x0F
                if op == 8:
                    self.tr.write(frame(8, payload[:2]))
                    self.tr.close()
                    return
                if op == 9:
                    self.tr.write(frame(10, payload))
                    continue
                if op in (1, 2):
                    self.op = op
                self.msg += payload
                if b0 & 0x80:
                    if self.op == 2:
                        self.tr.write(frame(2, bytes(self.msg)))  # the "bot": echo
                    self.msg.clear()

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Proto, "127.0.0.1", port)
        print("READY", flush=True)
        await server.serve_forever()

    asyncio.run(main())


# ------------------- hybrid: websockets' Sans-I/O ServerProtocol + own HTTP head parsing, asyncio.Protocol
def run_wssansio(port: int) -> None:
    """One listener: our own tiny HTTP/1.1 head parser answers /health, / and POST /start (with a body);
    upgrade requests are fed to websockets.server.ServerProtocol, which does the handshake, framing,
    max_size (1009), UTF-8 checks, ping/pong and the close handshake."""
    import asyncio

    from websockets.frames import Opcode
    from websockets.server import ServerProtocol

    class Proto(asyncio.Protocol):
        def connection_made(self, tr):
            self.tr, self.buf, self.ws, self.parts = tr, bytearray(), None, []

        def http(self, status, body, ctype):
            self.tr.write(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                          f"Connection: close\r\n\r\n".encode() + body)
            self.tr.close()

        def flush(self):
            ws = self.ws
            for data in ws.data_to_send():
                if data:
                    self.tr.write(data)
                else:
                    self.tr.close()  # websockets asks for EOF

        def data_received(self, data):
            ws = self.ws
            if ws is None:
                self.buf += data
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.buf) > 16384:
                        self.http("431 Request Header Fields Too Large", b"", "text/plain")
                    return
                lines = bytes(self.buf[:end]).split(b"\r\n")
                method, target, _ = lines[0].split(b" ", 2)
                hdrs = {}
                for ln in lines[1:]:
                    k, _, v = ln.partition(b":")
                    hdrs[k.strip().lower()] = v.strip()
                path = target.split(b"?")[0]
                if path == b"/ws" and hdrs.get(b"upgrade", b"").lower() == b"websocket":
                    ws = self.ws = ServerProtocol(max_size=MAX)
                    data, self.buf = bytes(self.buf), None
                else:
                    clen = int(hdrs.get(b"content-length", b"0"))
                    if clen > 65536:
                        return self.http("413 Content Too Large", b"", "text/plain")
                    if len(self.buf) < end + 4 + clen:
                        return
                    if path == b"/health":
                        return self.http("200 OK", b'{"status":"ok"}', "application/json")
                    if path == b"/":
                        return self.http("200 OK", HTML, "text/html")
                    if path == b"/start" and method == b"POST":
                        return self.http("200 OK", start_body(hdrs.get(b"host", b"").decode()), "application/json")
                    return self.http("404 Not Found", b"", "text/plain")
            ws.receive_data(data)
            for ev in ws.events_received():
                if not hasattr(ev, "opcode"):  # the handshake Request
                    ws.send_response(ws.accept(ev))
                    continue
                if ev.opcode in (Opcode.BINARY, Opcode.TEXT, Opcode.CONT):
                    if ev.opcode is not Opcode.CONT:
                        self.op = ev.opcode
                    if not ev.fin:
                        self.parts.append(ev.data)
                        continue
                    msg = b"".join(self.parts) + ev.data if self.parts else ev.data
                    self.parts.clear()
                    if self.op is Opcode.BINARY:
                        ws.send_binary(msg)  # the "bot": echo
            self.flush()

        def eof_received(self):
            if self.ws is not None:
                self.ws.receive_eof()
                self.flush()

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Proto, "127.0.0.1", port)
        print("READY", flush=True)
        await server.serve_forever()

    asyncio.run(main())


# ------------------------------- same hybrid on anyio byte streams (backend-neutral) instead of asyncio.Protocol
def run_wssansio_anyio(port: int) -> None:
    import anyio
    from websockets.frames import Opcode
    from websockets.server import ServerProtocol

    async def reply(stream, status, body, ctype):
        await stream.send(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                          f"Connection: close\r\n\r\n".encode() + body)

    async def handle(stream):
        async with stream:
            buf = bytearray()
            try:
                while True:  # HTTP head
                    buf += await stream.receive(65536)
                    end = buf.find(b"\r\n\r\n")
                    if end >= 0:
                        break
                    if len(buf) > 16384:
                        return await reply(stream, "431 Request Header Fields Too Large", b"", "text/plain")
                lines = bytes(buf[:end]).split(b"\r\n")
                method, target, _ = lines[0].split(b" ", 2)
                hdrs = {}
                for ln in lines[1:]:
                    k, _, v = ln.partition(b":")
                    hdrs[k.strip().lower()] = v.strip()
                path = target.split(b"?")[0]
                if not (path == b"/ws" and hdrs.get(b"upgrade", b"").lower() == b"websocket"):
                    clen = int(hdrs.get(b"content-length", b"0"))
                    if clen > 65536:
                        return await reply(stream, "413 Content Too Large", b"", "text/plain")
                    while len(buf) < end + 4 + clen:
                        buf += await stream.receive(65536)
                    if path == b"/health":
                        return await reply(stream, "200 OK", b'{"status":"ok"}', "application/json")
                    if path == b"/":
                        return await reply(stream, "200 OK", HTML, "text/html")
                    if path == b"/start" and method == b"POST":
                        return await reply(stream, "200 OK", start_body(hdrs.get(b"host", b"").decode()), "application/json")
                    return await reply(stream, "404 Not Found", b"", "text/plain")
                ws = ServerProtocol(max_size=MAX)
                data = bytes(buf)
                parts, op = [], None
                while True:
                    ws.receive_data(data)
                    for ev in ws.events_received():
                        if not hasattr(ev, "opcode"):
                            ws.send_response(ws.accept(ev))
                            continue
                        if ev.opcode in (Opcode.BINARY, Opcode.TEXT, Opcode.CONT):
                            if ev.opcode is not Opcode.CONT:
                                op = ev.opcode
                            if not ev.fin:
                                parts.append(ev.data)
                                continue
                            msg = b"".join(parts) + ev.data if parts else ev.data
                            parts.clear()
                            if op is Opcode.BINARY:
                                ws.send_binary(msg)
                    out = ws.data_to_send()
                    if out:
                        if out[-1] == b"":
                            if len(out) > 1:
                                await stream.send(b"".join(out))
                            return
                        await stream.send(b"".join(out) if len(out) > 1 else out[0])
                    data = await stream.receive(65536)
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                return

    async def main():
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=port)
        print("READY", flush=True)
        await listener.serve(handle)

    anyio.run(main)


if __name__ == "__main__":
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "websockets":
        run_websockets(port)
    elif kind == "h11wsproto":
        run_h11wsproto(port)
    elif kind == "aiohttp":
        run_aiohttp(port)
    elif kind == "uvicorn-websockets":
        run_uvicorn(port, "websockets")
    elif kind == "uvicorn-sansio":
        run_uvicorn(port, "websockets-sansio")
    elif kind == "uvicorn-wsproto":
        run_uvicorn(port, "wsproto")
    elif kind == "wssansio":
        run_wssansio(port)
    elif kind == "wssansio-anyio":
        run_wssansio_anyio(port)
    elif kind == "raw":
        run_raw(port)
    elif kind == "fastapi":
        # Pipecat 1.14's runner: `uvicorn.run(app)` with plain `uvicorn` (pipecat-ai[runner] does not
        # pull uvicorn[standard], so HTTP is h11; ws=auto -> websockets-sansio); defaults otherwise,
        # except the access log and deflate, switched off for every candidate.
        run_uvicorn(port, "auto", app=make_fastapi(), http="h11")
    else:
        raise SystemExit(f"unknown kind {kind}")
