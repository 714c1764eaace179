"""A registry stand-in for scripts/bench-diff-500.sh: serves generated packuments for
bench-pkg-0..N-1 on 127.0.0.1 with a fixed latency per request, ETags and 304s, and counts
responses by status (GET /-/stats)."""
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LATENCY = float(sys.argv[1])  # seconds
COUNT = int(sys.argv[2])
stats = {"200": 0, "304": 0, "404": 0}
lock = threading.Lock()


def packument(name):
    versions = {}
    for v in ("1.0.0", "1.0.1"):
        versions[v] = {
            "name": name,
            "version": v,
            "_npmUser": {"name": "bench", "email": "bench@example.com"},
            "maintainers": [{"name": "bench", "email": "bench@example.com"}],
            "dist": {
                "integrity": f"sha512-{name}-{v}",
                "tarball": f"https://registry.npmjs.org/{name}/-/{name}-{v}.tgz",
            },
        }
    return json.dumps({
        "name": name,
        "dist-tags": {"latest": "1.0.1"},
        "time": {"created": "2020-01-01T00:00:00.000Z", "1.0.0": "2020-01-01T00:00:00.000Z",
                 "1.0.1": "2020-06-01T00:00:00.000Z"},
        "versions": versions,
    }).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every response with a body.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        if self.path == "/-/stats":
            body = json.dumps(stats).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        time.sleep(LATENCY)
        name = self.path.lstrip("/")
        if not name.startswith("bench-pkg-") or int(name.split("-")[-1]) >= COUNT:
            status, body, etag = 404, b"{}", None
        else:
            status, body, etag = 200, packument(name), f'"{name}-v1"'
            if self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
        with lock:
            stats[str(status)] += 1
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
