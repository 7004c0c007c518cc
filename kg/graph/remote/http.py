"""HTTP with one total deadline and a size cap: the only way kg talks to remote servers.

urllib and http.client apply their timeout to each socket operation, so a server that sends one
byte every few seconds holds a client for ever, and one that never stops sending fills its memory.
Here a request has one deadline for everything (name lookup, connect, send, headers, body): the
socket's timeout is set to the time left before each read, and a watchdog shuts the socket when
the deadline passes, because a server can stretch its status line and headers one byte at a time
inside http.client, where no read of ours interposes. Bodies are read in chunks up to a cap.
"""

from __future__ import annotations

import contextlib
import email.message
import functools
import http.client
import select
import socket
import ssl
import threading
import time
import urllib.request
from typing import Any, Protocol

CHUNK = 64 * 1024


class DeadlinePassed(Exception):
    """The deadline passed before the exchange was complete."""


class TooLarge(Exception):
    """The answer is larger than the cap."""


class Deadline:
    """A point in time after which every socket it watches is shut down.

    ``restart()`` moves it ``seconds`` ahead again: an upload uses it as a progress deadline.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.passed = False  # set by the watchdog before it shuts the sockets
        self._end = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self._end - time.monotonic())

    def check(self) -> float:
        """The time left; DeadlinePassed if there is none."""
        left = self.remaining()
        if self.passed or left <= 0:
            raise DeadlinePassed
        return left

    def restart(self) -> None:
        """Move the deadline ``seconds`` ahead of now; DeadlinePassed if it had passed already."""
        self.check()
        self._end = time.monotonic() + self.seconds
        self.limit_reads()

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes; its timeout is the time left."""
        sock.settimeout(self.check())
        with self._lock:
            self._sockets.append(sock)
            if self._timer is None:
                self._arm()

    def limit_reads(self) -> None:
        """Before a read or send: no socket operation may outlast the deadline."""
        left = self.check()
        with self._lock:
            if self._sockets:
                with contextlib.suppress(OSError):  # closed: the next operation on it fails on its own
                    self._sockets[-1].settimeout(left)

    def _arm(self) -> None:
        self._timer = threading.Timer(self.remaining() + 0.01, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._timer is None:
                return  # closed
            if self.remaining() > 0:  # restarted meanwhile
                self._arm()
                return
            self.passed = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, also under TLS

    def close(self) -> None:
        """Stop watching: the sockets are left alone from now on."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = None

    def __enter__(self) -> Deadline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# What getaddrinfo returns: family, type, protocol, canonical name, socket address.
_AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[Any, ...]]


def _resolve(host: str, port: int, deadline: Deadline) -> list[_AddressInfo]:
    """getaddrinfo has no timeout of its own: run it aside and stop waiting at the deadline."""
    infos: list[_AddressInfo] = []
    errors: list[OSError] = []

    def look_up() -> None:
        try:
            infos.extend(socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
        except OSError as error:
            errors.append(error)

    worker = threading.Thread(target=look_up, daemon=True)
    worker.start()
    worker.join(deadline.check())
    if worker.is_alive():
        raise DeadlinePassed
    if errors:
        raise errors[0]
    return infos


def _connect(address: tuple[str, int], deadline: Deadline) -> socket.socket:
    """socket.create_connection, bounded by the deadline (each address tried in turn)."""
    errors: list[OSError] = []
    for family, kind, proto, _, sockaddr in _resolve(*address, deadline):
        sock = socket.socket(family, kind, proto)
        try:
            deadline.watch(sock)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            errors.append(error)
    raise errors[0] if errors else OSError(f"no address found for {address[0]}")


class BoundedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection whose sockets ``deadline`` bounds, name lookup and connect included.

    The other arguments are http.client's.
    """

    def __init__(self, host: str, port: int | None = None, *, deadline: Deadline, **options: Any) -> None:
        super().__init__(host, port, **options)
        self.deadline = deadline
        # http.client opens its socket through this attribute: the bounded lookup and connect instead.
        self._create_connection = self._connect_bounded

    def _connect_bounded(self, address: tuple[str, int], *_: object) -> socket.socket:
        return _connect(address, self.deadline)

    def connect(self) -> None:
        """Open the connection, and watch its socket (under TLS, the wrapped one)."""
        super().connect()
        self.deadline.watch(self.sock)


class BoundedHTTPSConnection(BoundedHTTPConnection, http.client.HTTPSConnection):
    """An HTTPS connection whose sockets ``deadline`` bounds (see BoundedHTTPConnection)."""


def bounded_connection(
    https: bool, host: str, port: int | None, deadline: Deadline, timeout: float
) -> BoundedHTTPConnection:
    """A bounded connection (not yet open) to ``host``:``port``, TLS with the default context if ``https``."""
    kind = BoundedHTTPSConnection if https else BoundedHTTPConnection
    return kind(host, port, deadline=deadline, timeout=timeout)


class _Http(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(BoundedHTTPConnection, deadline=self.deadline), req)


class _Https(urllib.request.HTTPSHandler):
    """TLS with the default context, made at the first https request: loading the CA store costs about
    20 ms, which every plain-http request (a local store) would otherwise pay."""

    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.tls: ssl.SSLContext | None = None
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        if self.tls is None:
            self.tls = ssl.create_default_context()
        bounded = functools.partial(BoundedHTTPSConnection, deadline=self.deadline)
        return self.do_open(bounded, req, context=self.tls)


def opener(deadline: Deadline) -> urllib.request.OpenerDirector:
    """urllib's opener for http and https only (redirects and proxies as usual), bounded by the deadline."""
    director = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        _Http(deadline),
        _Https(deadline),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        director.add_handler(handler)
    return director


class Body(Protocol):
    """What read_body reads: an HTTP response, or the error urllib raises for one (HTTPError)."""

    @property
    def headers(self) -> email.message.Message:
        """The response's headers."""
        ...

    def read1(self, amt: int = -1, /) -> bytes:
        """At most ``amt`` bytes, with at most one read of the socket."""
        ...


def read_body(response: Body, deadline: Deadline, cap: int, *, cut: bool = False) -> bytes:
    """The whole body, read in chunks, each read bounded by the time left.

    Past ``cap`` bytes: TooLarge, or with ``cut`` the first ``cap`` bytes (enough of an error page).
    """
    declared = response.headers.get("Content-Length", "")
    if not cut and declared.strip().isdigit() and int(declared) > cap:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        deadline.limit_reads()
        chunk = response.read1(CHUNK)
        if deadline.passed:
            raise DeadlinePassed  # the watchdog's shutdown looks like the end of the body
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        chunks.append(chunk)
        if size > cap:
            if cut:
                return b"".join(chunks)[:cap]
            raise TooLarge


def answered_early(sock: socket.socket | None, deadline: Deadline) -> bool:
    """Before sending more of a body: wait until the socket takes bytes, and say whether the server
    has answered meanwhile (a refusal sent before the body was read, by a server that may never read it).

    Under TLS the socket can be readable for session tickets alone, so it is not asked.
    """
    if sock is None or isinstance(sock, ssl.SSLSocket):
        return False
    readable, writable, _ = select.select([sock], [sock], [], deadline.check())
    if readable:
        return True
    if not writable:
        raise DeadlinePassed
    return False
