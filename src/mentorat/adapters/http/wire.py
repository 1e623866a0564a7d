"""uvicorn's httptools protocol, writing response header names in their canonical case.

HTTP header names are case-insensitive, but clients of the original Django API look some up
case-sensitively (a plain dict of urllib's headers, say) and Django wrote `WWW-Authenticate`,
`Retry-After`, `Link`. uvicorn's fast protocol lower-cases every name it writes, and the
ASGI app cannot change that, so this protocol recases the header block on its way out.
(uvicorn's h11 protocol keeps the case, at several times the parsing cost per request.)
"""

from __future__ import annotations

import asyncio
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
