"""uvicorn's httptools protocol, writing response header names in their canonical case, each
response's head and body in one send.

HTTP header names are case-insensitive, but clients of the original Django API look some up
case-sensitively (a plain dict of urllib's headers, say) and Django wrote `WWW-Authenticate`,
`Retry-After`, `Link`. uvicorn's fast protocol lower-cases every name it writes, and the
ASGI app cannot change that, so this protocol recases the header block on its way out.
(uvicorn's h11 protocol keeps the case, at several times the parsing cost per request.)
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_SPECIAL = {b"www-authenticate": b"WWW-Authenticate", b"etag": b"ETag"}


@lru_cache(maxsize=512)
def canonical(name: bytes) -> bytes:
    """`retry-after` -> `Retry-After`, `www-authenticate` -> `WWW-Authenticate`."""
    special = _SPECIAL.get(name.lower())
    if special is not None:
        return special
    return b"-".join(part[:1].upper() + part[1:].lower() for part in name.split(b"-"))


def recase_head(head: bytes) -> bytes:
    """Recase the names in a response head: status line, `name: value` lines, blank line."""
    lines = head.split(b"\r\n")
    for i in range(1, len(lines)):
        name, sep, value = lines[i].partition(b": ")
        if sep:
            lines[i] = canonical(name) + sep + value
    return b"\r\n".join(lines)


class _ResponseTransport:
    """Delegates everything to the real transport; rewrites response heads and sends each one
    together with the first bytes of its body.

    uvicorn writes each response head in one call, starting with the status line and ending
    with the blank line; bodies are written by later calls. A JSON or HTML body cannot both
    start with "HTTP/1.1 " and end with a blank line, so the test below never touches one.

    Written as uvicorn writes it, a response costs two sends and two TCP segments: over
    loopback each send carries the kernel's delivery to the reader, a tenth of a small
    request's CPU (docs/performance.md). So a head is held back and leaves in the same send as
    the body that follows it, which uvicorn writes in the same turn of the event loop. A head
    still held at the end of that turn (a body that is slow to come) is sent then, or before
    the connection is closed, whichever comes first. An interim response (`100 Continue`) goes at
    once: the client waits for it before sending its body.
    """

    __slots__ = ("_head", "_loop", "_transport")

    def __init__(self, transport: asyncio.BaseTransport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = cast(asyncio.WriteTransport, transport)
        self._loop = loop
        self._head: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if isinstance(data, bytes) and data.startswith(b"HTTP/1.1 ") and data.endswith(b"\r\n\r\n"):
            data = recase_head(data)
            if data[9:10] != b"1":  # a final response: wait for its body
                self.flush()
                self._head = data
                self._loop.call_soon(self.flush)
                return
        head = self._head
        if head is not None:
            self._head = None
            data = head + bytes(data)
        self._transport.write(data)

    def writelines(self, chunks: Iterable[bytes | bytearray | memoryview]) -> None:
        self.write(b"".join(chunks))

    def flush(self) -> None:
        """Send a head still held back, if any."""
        head, self._head = self._head, None
        if head is not None and not self._transport.is_closing():
            self._transport.write(head)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def get_write_buffer_size(self) -> int:
        held = 0 if self._head is None else len(self._head)
        return held + self._transport.get_write_buffer_size()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CanonicalCaseHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports quack like asyncio.Transport without inheriting from it.
        wrapped = _ResponseTransport(transport, asyncio.get_running_loop())
        super().connection_made(wrapped)  # type: ignore[arg-type]


# --- one listening socket per worker -------------------------------------------------------------
# uvicorn's workers share the parent's listening socket, and whichever wakes first accepts: under
# a burst of keep-alive connections one worker can take them all while the other idles (perf-
# notes trap 2). With SO_REUSEPORT each worker listens on a socket of its own and the kernel
# spreads new connections over them.


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def bind_reuse_port(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port with SO_REUSEPORT, not listening yet."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class OwnListener:
    """Stands for a listening socket in the list uvicorn hands each worker process.

    It is pickled into the worker, and unpickling it there binds a fresh SO_REUSEPORT socket: so
    each worker gets a socket of its own instead of a copy of the parent's. The parent holds no
    listening socket in the group (the kernel would queue connections on it that nobody takes).
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return (bind_reuse_port, (self.host, self.port))


def serve_with_own_sockets(config: Any) -> None:
    """Run `config.workers` uvicorn workers under uvicorn's supervisor, each with its own
    SO_REUSEPORT socket on config.host:config.port (a fixed port, not 0)."""
    from uvicorn.supervisors.multiprocess import Multiprocess

    # Fail here, once, when the address is taken, rather than in every worker.
    bind_reuse_port(config.host, config.port).close()
    Multiprocess(config, sockets=[OwnListener(config.host, config.port)]).run()  # type: ignore[list-item]
