"""What handlers take from the running app: the use cases and the deployment's HTTP options."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any

from litestar.connection import ASGIConnection

from mentorat.application.service import Mentorat

Network = IPv4Network | IPv6Network


@dataclass(frozen=True, slots=True)
class HttpContext:
    """Kept in the app's state under `ctx`; built once by `create_app`."""

    mentorat: Mentorat
    # The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed; empty: none.
    trusted_proxies: tuple[Network, ...] = ()
    # Seconds between the keep-alive comments of an idle event stream.
    event_keepalive: float = 15.0


def context_of(connection: ASGIConnection[Any, Any, Any, Any]) -> HttpContext:
    ctx: HttpContext = connection.app.state.ctx
    return ctx


def use_cases(connection: ASGIConnection[Any, Any, Any, Any]) -> Mentorat:
    ctx: HttpContext = connection.app.state.ctx
    return ctx.mentorat


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Who is calling, for login throttling: the peer, or the client a trusted proxy reports.

    When the peer is a trusted proxy, the client is the rightmost X-Forwarded-For hop that is
    not itself a trusted proxy: each proxy appends the address it was reached from, so only
    the hops right of the client's were written by proxies, and whatever the client wrote
    itself sits to its left and is never read. The rule of `uvicorn --forwarded-allow-ips`.
    """
    return _forwarded(connection)[0]


def public_base_url(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Scheme, host and root path as the client sees them, ending with "/", for absolute links.

    Behind a trusted proxy that terminates TLS, the scheme is the X-Forwarded-Proto entry of
    the client's hop (the last entry when the proxies replace the header).
    """
    base = connection.base_url
    proto = _forwarded(connection)[1]
    if proto in ("http", "https"):
        return f"{proto}://{base.netloc}{base.path}"
    return str(base)


def _forwarded(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[str, str | None]:
    """(client address, forwarded scheme or None) under the trusted-proxy rule."""
    client = connection.client
    peer = client.host if client else ""
    trusted = context_of(connection).trusted_proxies
    if not trusted or not _is_trusted(peer, trusted):
        return peer, None
    hops = [
        h.strip() for v in connection.headers.getall("x-forwarded-for", []) for h in v.split(",")
    ]
    protos = [
        p.strip().lower()
        for v in connection.headers.getall("x-forwarded-proto", [])
        for p in v.split(",")
    ]
    address, index = peer, None
    for i in range(len(hops) - 1, -1, -1):
        hop = hops[i]
        if not _is_address(hop):
            break  # not written by a proxy: the last trusted hop is the best we know
        address, index = hop, i
        if not _is_trusted(hop, trusted):
            break
    if not protos:
        return address, None
    if index is not None and len(protos) == len(hops):
        return address, protos[index]
    return address, protos[-1]


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


def _is_trusted(host: str, trusted: tuple[Network, ...]) -> bool:
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in trusted)
