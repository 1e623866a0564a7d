"""What handlers take from the running app: the use cases and the deployment's HTTP options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection

from mentorat.application.service import Mentorat


@dataclass(frozen=True, slots=True)
class HttpContext:
    """Kept in the app's state under `ctx`; built once by `create_app`."""

    mentorat: Mentorat
    trust_forwarded_for: bool = False


def context_of(connection: ASGIConnection[Any, Any, Any, Any]) -> HttpContext:
    ctx: HttpContext = connection.app.state.ctx
    return ctx


def use_cases(connection: ASGIConnection[Any, Any, Any, Any]) -> Mentorat:
    ctx: HttpContext = connection.app.state.ctx
    return ctx.mentorat


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Who is calling, for login throttling: the peer, or the first X-Forwarded-For hop.

    The header is only believed when the deployment says a proxy in front sets it; otherwise any
    client could pick a fresh address for each attempt.
    """
    if context_of(connection).trust_forwarded_for:
        forwarded = connection.headers.get("x-forwarded-for")
        if forwarded:
            first = forwarded.split(",", 1)[0].strip()
            if first:
                return first
    client = connection.client
    return client.host if client else ""


def public_base_url(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Scheme, host and root path as the client sees them, ending with "/", for absolute links.

    Behind a trusted proxy that terminates TLS, the scheme is the first X-Forwarded-Proto hop.
    """
    base = connection.base_url
    if context_of(connection).trust_forwarded_for:
        proto = connection.headers.get("x-forwarded-proto", "").split(",", 1)[0].strip().lower()
        if proto in ("http", "https"):
            return f"{proto}://{base.netloc}{base.path}"
    return str(base)
