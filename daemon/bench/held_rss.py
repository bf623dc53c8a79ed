#!/usr/bin/env python3
"""RSS of sentryd per held EAS Ping (and per idle kept-alive connection).

Starts sentryd on free ports with a throwaway certificate, pushes a snapshot
with one ActiveSync server: an asyncio back end in this process that reads
each request and never answers a Ping. Then opens N device TLS connections
that each send a Ping and measures sentryd's VmRSS before and after (the
delta over N is our heap + OpenSSL per held Ping; kernel socket buffers are
not in RSS). Stdlib only.

  held_rss.py --sentryd build-proxy/daemon/sentryd -n 2000 [--backend-tls] [--idle]
"""
import argparse
import asyncio
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def ctl(sock_path, req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    data = json.dumps(req).encode()
    s.sendall(struct.pack(">I", len(data)) + data)
    hdr = b""
    while len(hdr) < 4:
        hdr += s.recv(4 - len(hdr))
    (n,) = struct.unpack(">I", hdr)
    body = b""
    while len(body) < n:
        body += s.recv(n - len(body))
    s.close()
    return json.loads(body)


HELD = []


async def backend_conn(reader, writer):
    # Minimal HTTP/1.1: answer OPTIONS and non-Ping at once, hold Pings forever.
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            if b"Cmd=Ping" in head.split(b"\r\n")[0]:
                HELD.append(writer)
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def device(port, ctx, ping, sem):
    async with sem:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
    q = "Cmd=Ping" if ping else "Cmd=Sync"
    req = ("POST /Microsoft-Server-ActiveSync?%s&User=u&DeviceId=d1&DeviceType=t HTTP/1.1\r\n"
           "Host: gw\r\nMS-ASProtocolVersion: 14.1\r\nContent-Length: 5\r\n\r\nwbxml" % q)
    writer.write(req.encode())
    await writer.drain()
    if not ping:
        await reader.readuntil(b"ok\n")
    return reader, writer


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentryd", required=True)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--backend-tls", action="store_true")
    ap.add_argument("--idle", action="store_true", help="idle kept-alive connections instead of Pings")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="sentry-bench.")
    cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    bport, port = free_port(), free_port()
    sctx = None
    if args.backend_tls:
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(cert, key)
    server = await asyncio.start_server(backend_conn, "127.0.0.1", bport, ssl=sctx, backlog=4096)
    sock_path = os.path.join(tmp, "s.sock")
    proc = subprocess.Popen([args.sentryd, "--listen", "127.0.0.1:%d" % port, "--cert", cert, "--key", key,
                             "--control", sock_path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, SENTRY_STATE_DIR=tmp))
    try:
        for _ in range(100):
            if os.path.exists(sock_path):
                break
            await asyncio.sleep(0.05)
        cfg = {"activesync": {"services": [{"name": "default", "tls": args.backend_tls,
                                             "health": {"enabled": False},
                                             "servers": [{"host": "127.0.0.1", "port": bport}]}]}}
        r = ctl(sock_path, {"v": 1, "id": 1, "op": "config.apply", "args": {"version": 1, "config": cfg}})
        assert r["ok"], r
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sem = asyncio.Semaphore(64)
        # Warm up: allocator arenas, OpenSSL tables, one of each path.
        warm = [await device(port, ctx, False, sem) for _ in range(20)]
        for _, w in warm:
            w.close()
        await asyncio.sleep(0.5)
        before = rss_kib(proc.pid)
        t0 = time.time()
        conns = await asyncio.gather(*[device(port, ctx, not args.idle, sem) for _ in range(args.n)])
        if not args.idle:
            for _ in range(600):
                st = ctl(sock_path, {"v": 1, "id": 2, "op": "status"})["data"]
                if st["proxy"]["ping_held"] >= args.n:
                    break
                await asyncio.sleep(0.1)
            assert st["proxy"]["ping_held"] >= args.n, st["proxy"]
        await asyncio.sleep(1.0)
        after = rss_kib(proc.pid)
        took = time.time() - t0
        what = "idle kept-alive connections" if args.idle else "held Pings"
        print("%d %s (backend %s): RSS %d -> %d KiB, %.1f KiB each (%.1f s to open)" % (
            args.n, what, "TLS" if args.backend_tls else "plain", before, after,
            (after - before) / args.n, took))
        for _, w in conns:
            w.close()
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
        server.close()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    asyncio.run(main())
