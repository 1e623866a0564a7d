"""uvicorn's httptools protocol, writing response header names in their canonical case.

HTTP header names are case-insensitive, but clients of the original Django API look some up
case-sensitively (a plain dict of urllib's headers, say) and Django wrote `WWW-Authenticate`,
`Retry-After`, `Link`. uvicorn's fast protocol lower-cases every name it writes, and the
ASGI app cannot change that, so this protocol recases the header block on its way out.
(uvicorn's h11 protocol keeps the case, at several times the parsing cost per request.)
"""

from __future__ import annotations

import asyncio
import socket
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


class _RecasingTransport:
    """Delegates everything to the real transport; rewrites only response heads.

    uvicorn writes each response head in one call, starting with the status line and ending
    with the blank line; bodies are written by later calls. A JSON or HTML body cannot both
    start with "HTTP/1.1 " and end with a blank line, so the test below never touches one.
    """

    __slots__ = ("_transport",)

    def __init__(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.WriteTransport, transport)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if isinstance(data, bytes) and data.startswith(b"HTTP/1.1 ") and data.endswith(b"\r\n\r\n"):
            data = recase_head(data)
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CanonicalCaseHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports quack like asyncio.Transport without inheriting from it.
        super().connection_made(_RecasingTransport(transport))  # type: ignore[arg-type]


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
