"""Serving the sandbox over real HTTP on loopback.

The server is werkzeug's threaded WSGI server. Keep-alive connections would
otherwise outlive the server and leak sockets, so each handler registers its
connection and shutting down closes whatever is still open, then joins the
handler threads: tests that treat ResourceWarning as an error stay clean.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

__all__ = ["serve", "serve_forever"]

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class _Handler(WSGIRequestHandler):
    """Tracks its connection and thread so shutdown can close and join them."""

    def setup(self) -> None:
        super().setup()
        tracker: _Tracker = self.server.tracker  # type: ignore[attr-defined]  # set by _make
        tracker.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            tracker: _Tracker = self.server.tracker  # type: ignore[attr-defined]  # set by _make
            tracker.remove(self.connection)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Stay quiet: request logs would flood test output."""


class _Tracker:
    """Open connections and the threads serving them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: dict[socket.socket, threading.Thread] = {}

    def add(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections[connection] = threading.current_thread()

    def remove(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.pop(connection, None)

    def close_all(self, timeout: float) -> None:
        with self._lock:
            open_ = list(self._connections.items())
        for connection, _ in open_:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for _, thread in open_:
            thread.join(timeout)


def _make(app: Any, host: str, port: int) -> BaseWSGIServer:
    if host not in _LOOPBACK:
        msg = (
            f"The sandbox serves on loopback only; {host!r} is not a loopback address."
        )
        raise ValueError(msg)
    server = make_server(host, port, app, threaded=True, request_handler=_Handler)
    server.tracker = _Tracker()  # type: ignore[attr-defined]  # read by _Handler
    return server


def _base_url(server: BaseWSGIServer, host: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{server.server_port}"


@contextlib.contextmanager
def serve(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` in a background thread; yield its base URL."""
    server = _make(app, host, port)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield _base_url(server, host)
    finally:
        server.shutdown()
        server.tracker.close_all(timeout=5.0)  # type: ignore[attr-defined]  # set by _make
        server.server_close()
        thread.join(5.0)


def serve_forever(app: Any, host: str, port: int, banner: str) -> None:
    """Serve ``app`` until interrupted, after printing ``banner`` with the URL."""
    server = _make(app, host, port)
    print(banner.format(base_url=_base_url(server, host)), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
