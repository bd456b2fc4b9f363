#!/usr/bin/env python3
"""A raw TCP proxy that records both directions of every connection (stdlib only).

Usage: record_proxy.py LISTEN_PORT UPSTREAM_PORT OUT_DIR
Each connection N is saved as OUT_DIR/N.c2s (client to server bytes) and OUT_DIR/N.s2c.
Used by fuzz/tools/make_seeds.sh to turn the traffic of the official suite and of our
checker into fuzz seeds.
"""
import itertools
import os
import socket
import sys
import threading

listen_port, upstream_port, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
counter = itertools.count()


def pump(src, dst, path):
    with open(path, "wb") as f:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                break
            if not data:
                break
            f.write(data)
            f.flush()
            try:
                dst.sendall(data)
            except OSError:
                break
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def handle(client):
    n = next(counter)
    try:
        upstream = socket.create_connection(("127.0.0.1", upstream_port))
    except OSError:
        client.close()
        return
    a = threading.Thread(target=pump, args=(client, upstream, f"{out}/{n}.c2s"), daemon=True)
    b = threading.Thread(target=pump, args=(upstream, client, f"{out}/{n}.s2c"), daemon=True)
    a.start()
    b.start()
    a.join()
    b.join()
    client.close()
    upstream.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen_port))
srv.listen(256)
print(f"recording 127.0.0.1:{listen_port} -> 127.0.0.1:{upstream_port} into {out}", flush=True)
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
