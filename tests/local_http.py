"""A real HTTP server on localhost for download tests: serves a folder, honours
`Range: bytes=N-` with 206, and hangs up halfway through /cut/PATH."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

Requests = list[tuple[str, str | None]]  # (path, Range header) of each GET, in order


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: Requests

    def do_GET(self) -> None:
        self.requests.append((self.path, self.headers.get("Range")))
        cut = self.path.startswith("/cut/")
        path = Path(self.directory) / self.path.removeprefix("/cut").lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        start = int(self.headers["Range"][6:-1]) if self.headers.get("Range") else 0
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(body) - start))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        self.wfile.write(body[start : len(body) // 2] if cut else body[start:])
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(root: Path) -> Iterator[tuple[str, Requests]]:
    """Serve `root` while the block runs: (base URL, the requests seen)."""
    seen: Requests = []
    handler = type("Handler", (_Handler,), {"requests": seen})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port_url(name: str = "file") -> str:
    """A URL on a localhost port nothing listens on (as good as offline)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"
