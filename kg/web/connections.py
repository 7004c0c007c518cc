"""The connections of ``kg serve``: a threading HTTP server that bounds them and the time to send a request.

Clients cannot be trusted to be quick or few. Every connection has a deadline for sending its
whole request (``request_timeout``, 20 s; a reaper thread cuts a late one off, however slowly its
bytes trickle in), may stay silent at most ``read_timeout`` (10 s) while sending it and has
``write_timeout`` (60 s) to take its answer; at most ``max_connections`` are served at once (a new
one takes the place of the oldest still sending its request, else gets 503 at once, without a
thread), and the listen backlog is 128. The three deadlines are settings (``deadline``: an argument,
else KG_SERVE_REQUEST_TIMEOUT, KG_SERVE_READ_TIMEOUT, KG_SERVE_WRITE_TIMEOUT, else the default).
What a request asks for is kg.web.app's; the queries run in kg.web.workers' pool, which the server holds.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kg.errors import KgError
from kg.web.workers import Pool

# The defaults of the server's deadlines, in seconds (each a setting: see deadline()).
REQUEST_SECONDS = 20.0  # to send a whole request, however slowly the bytes trickle in
READ_SECONDS = 10.0  # a connection may stay silent while sending its request
WRITE_SECONDS = 60.0  # to take the whole answer
DEADLINES = {
    "request_timeout": ("KG_SERVE_REQUEST_TIMEOUT", REQUEST_SECONDS),
    "read_timeout": ("KG_SERVE_READ_TIMEOUT", READ_SECONDS),
    "write_timeout": ("KG_SERVE_WRITE_TIMEOUT", WRITE_SECONDS),
}
Address = tuple[str, int]
Request = socket.socket | tuple[bytes, socket.socket]  # socketserver's type; a TCP server's is the socket
Allowed = frozenset[tuple[str, int | None]]  # the hosts a SERVICE may call (kg.query.services.parse_allowed)


def deadline(name: str, explicit: float | None = None) -> float:
    """The deadline ``name`` (a key of DEADLINES) in seconds: ``explicit``, else its variable's, else the default.

    The variable is read at each call, so that a test (or a notebook) can set it. Raises KgError,
    one sentence, if the value is not a number of seconds more than 0 and at most a day.
    """
    variable, default = DEADLINES[name]
    text = os.environ.get(variable, "") if explicit is None else str(explicit)
    if explicit is None and not text.strip():
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= 86400:  # NaN fails the comparison too
        given = f"{variable}={text!r}" if explicit is None else f"the {name.replace('_', ' ')} {text}"
        raise KgError(f"{given} is not a number of seconds more than 0 and at most 86400; give e.g. {default:g}.")
    return seconds


class Server(ThreadingHTTPServer):
    """A threading HTTP server with a bounded number of connections and a deadline on reading requests.

    It holds what its handlers share: the query workers (``pool``, set once they have started),
    the per-query ``timeout`` in seconds, the hosts a SERVICE may call (``allowed``) and the
    connections' deadlines in seconds (``request_timeout``, ``read_timeout``, ``write_timeout``;
    None: see deadline()). Raises OSError when it cannot listen on ``address``, KgError for a bad deadline.
    """

    request_queue_size = 128  # the listen backlog: 5 (the default) gave 1 s p99 spikes at 16 clients
    daemon_threads = True
    cors: tuple[str, ...] = ()  # the origins whose pages may read the answers (kg serve --cors; kg.web.discovery)

    def __init__(
        self, address: Address, handler: type[BaseHTTPRequestHandler], pool: Pool | None, timeout: float,
        allowed: Allowed, max_connections: int, *, request_timeout: float | None = None,
        read_timeout: float | None = None, write_timeout: float | None = None,
    ) -> None:  # fmt: skip
        self.pool, self.query_timeout, self.allowed = pool, timeout, allowed
        self.request_timeout = deadline("request_timeout", request_timeout)
        self.read_timeout = deadline("read_timeout", read_timeout)
        self.write_timeout = deadline("write_timeout", write_timeout)
        self.slots = threading.BoundedSemaphore(max_connections)
        self.reading: dict[socket.socket, float] = {}  # connections still sending a request -> when they began
        self.reading_lock = threading.Lock()
        super().__init__(address, handler)
        threading.Thread(target=self._reap, daemon=True, name="kg-serve-reaper").start()

    def begin_reading(self, connection: socket.socket) -> None:
        """Start the clock on ``connection``'s request: it is cut off ``request_timeout`` seconds from now."""
        with self.reading_lock:
            self.reading[connection] = time.monotonic()

    def end_reading(self, connection: socket.socket) -> None:
        """``connection`` has sent its request: no deadline for reading it any more."""
        with self.reading_lock:
            self.reading.pop(connection, None)

    def _cut(self, connection: socket.socket) -> None:
        """Make a blocked read on ``connection`` return at once; its thread then ends and frees its slot."""
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)

    def _reap(self) -> None:
        tick = min(1.0, self.request_timeout / 4)  # a late request is cut within a quarter of its deadline
        while True:
            time.sleep(tick)
            limit = time.monotonic() - self.request_timeout
            with self.reading_lock:
                late = [c for c, began in self.reading.items() if began < limit]
            for connection in late:
                self._cut(connection)

    def process_request(self, request: Request, client_address: Any) -> None:
        """Serve ``request`` in a thread of its own if a slot is free (or freed), else answer 503 at once."""
        if not self.slots.acquire(blocking=False):
            with self.reading_lock:  # take the place of the connection that has been sending its request longest
                oldest = min(self.reading, key=self.reading.__getitem__, default=None)
            if oldest is not None:
                self._cut(oldest)
            # wait only for the connection just cut: answers that are being computed are not cut
            if oldest is None or not self.slots.acquire(timeout=0.5):
                _refuse(_connection(request))
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Request, client_address: Any) -> None:
        """The thread's work; the connection's slot is freed when it ends."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.end_reading(_connection(request))
            self.slots.release()

    def handle_error(self, request: Request, client_address: Any) -> None:
        """One line on stderr for a bug; a client that went away (OSError) is routine."""
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):  # a client going away is routine; anything else is a bug
            print(f"kg serve: internal error (a bug) serving {client_address[0]}: {error!r}", file=sys.stderr)


def _connection(request: Request) -> socket.socket:
    return request if isinstance(request, socket.socket) else request[1]


def _refuse(request: socket.socket) -> None:
    """Answer 503 straight away, without a thread, to a connection over the limit."""
    body = b"the server is at its limit of connections; try again in a moment.\n"
    head = "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\n"
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    with contextlib.suppress(OSError):
        request.setblocking(False)
        request.recv(65536)  # what the client already sent, so that closing does not reset the connection
    with contextlib.suppress(OSError):
        request.send(head.encode() + body)
