"""`/metrics` and what the HTTP edge counts: the hooks an exporter plugs into.

The HTTP adapter knows no metrics library: `RequestIds` (access.py) tells a `RequestObserver`
about every answered request, and `/metrics` answers what an `Exposition` renders. The
composition root joins them to mentorat.adapters.metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler

METRICS_PATH: Final = "/metrics"
# The text of a scrape and its content type.
Exposition = Callable[[], tuple[bytes, str]]


class RequestObserver(Protocol):
    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answered request: its method, route template (never the raw path), status and
        time from arrival to the end of the answer. Called on the request's path: cheap."""


def metrics_route(exposition: Exposition) -> HTTPRouteHandler:
    """`GET /metrics`: the Prometheus text format, out of the OpenAPI document."""

    @get(METRICS_PATH, include_in_schema=False, sync_to_thread=False, cache_control=None)
    def metrics() -> Response[bytes]:
        body, content_type = exposition()
        # Litestar adds the charset of every text/* answer itself (utf-8, as the text is).
        media_type = content_type.removesuffix("; charset=utf-8")
        return Response(body, media_type=media_type, headers={"Cache-Control": "no-store"})

    return metrics
