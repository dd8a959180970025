"""Behaviour probes: max message size enforcement, close codes, SIGTERM with an open connection.

For each server kind (max message size configured to 1 MiB + 64):
  * big1:  one binary frame whose header announces 10 MiB; payload streamed in 64 KiB chunks.
           Records bytes the server took before it reacted, the close code it sent, and the
           server's peak-RSS growth (VmHWM delta).
  * frag:  a 10 MiB message sent as 160 fragments of 64 KiB (each fragment below the limit).
  * sigterm: one idle connected client, SIGTERM to the server; close code seen by the client
           and the time until the server process exited.
Run: python probes.py [kinds...]
"""
import base64
import os
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import KINDS, start_server  # noqa: E402

MIB = 1 << 20


def vm(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])


def handshake(port):
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    assert b" 101 " in buf.split(b"\r\n")[0], buf
    return s, buf.split(b"\r\n\r\n", 1)[1]


def frame_header(opcode, fin, length):
    b0 = (0x80 if fin else 0) | opcode
    if length < 126:
        h = struct.pack("!BB", b0, 0x80 | length)
    elif length < 65536:
        h = struct.pack("!BBH", b0, 0x80 | 126, length)
    else:
        h = struct.pack("!BBQ", b0, 0x80 | 127, length)
    return h + b"\0\0\0\0"  # zero mask key: payload goes as is


def read_close(s, pending=b"", timeout=3.0):
    s.settimeout(timeout)
    data = pending
    try:
        while True:
            if len(data) >= 2 and data[0] & 0x0F == 8:
                ln = data[1] & 0x7F
                if len(data) >= 2 + ln:
                    return struct.unpack("!H", data[2:4])[0] if ln >= 2 else "no code"
            chunk = s.recv(65536)
            if not chunk:
                return "EOF (no close frame)" if not data else f"EOF after {data[:8]!r}"
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        return "RST"
    except socket.timeout:
        return "timeout"


def send_stream(s, chunks):
    sent = 0
    s.settimeout(3.0)
    try:
        for c in chunks:
            s.sendall(c)
            sent += len(c)
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        pass
    return sent


def probe(kind, port):
    out = {}
    p = start_server(kind, port, sys.executable)
    try:
        # single 10 MiB frame
        hwm0 = vm(p.pid, "VmHWM:")
        s, rest = handshake(port)
        total = 10 * MIB
        chunk = b"x" * 65536
        sent = send_stream(s, [frame_header(2, True, total)] + [chunk] * (total // 65536))
        out["big1"] = {"sent_before_stop_kib": sent // 1024, "close": read_close(s, rest),
                       "hwm_growth_kib": vm(p.pid, "VmHWM:") - hwm0}
        s.close()
        time.sleep(0.3)
        # 160 fragments of 64 KiB
        hwm0 = vm(p.pid, "VmHWM:")
        s, rest = handshake(port)
        frames = [frame_header(2 if i == 0 else 0, i == 159, 65536) + chunk for i in range(160)]
        sent = send_stream(s, frames)
        out["frag"] = {"sent_before_stop_kib": sent // 1024, "close": read_close(s, rest),
                       "hwm_growth_kib": vm(p.pid, "VmHWM:") - hwm0}
        s.close()
        time.sleep(0.3)
        # SIGTERM with an idle connected client
        s, rest = handshake(port)
        time.sleep(0.2)
        t0 = time.perf_counter()
        p.send_signal(signal.SIGTERM)
        code = read_close(s, rest, timeout=15)
        try:
            p.wait(15)
            out["sigterm"] = {"client_saw": code, "exit_s": round(time.perf_counter() - t0, 3),
                              "rc": p.returncode}
        except Exception:
            out["sigterm"] = {"client_saw": code, "exit_s": "did not exit in 15 s"}
        s.close()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return out


if __name__ == "__main__":
    kinds = sys.argv[1:] or KINDS
    port = 19500
    for k in kinds:
        port += 1
        print(k, probe(k, port), flush=True)
