"""Liveness and readiness: /health answers while the process lives, /ready when the store does."""

from __future__ import annotations

import logging

from litestar import get

from mentorat.adapters.http.context import use_cases
from mentorat.adapters.http.controllers import Anonymous
from mentorat.adapters.http.errors import error_responses
from mentorat.adapters.http.schemas import StatusOut
from mentorat.application.errors import StorageUnavailable

TAGS = ["health"]
log = logging.getLogger("mentorat.http")


@get("/health", operation_id="health", summary="The process is alive", tags=TAGS)
async def health() -> StatusOut:
    return StatusOut("ok")


@get(
    "/ready",
    operation_id="ready",
    summary="The database answers (503 with Retry-After when it does not)",
    tags=TAGS,
    responses=error_responses(503),
)
async def ready(request: Anonymous) -> StatusOut:
    try:
        await use_cases(request).uow.ping()
    except StorageUnavailable:
        raise
    except Exception as error:
        # ping() should only raise StorageUnavailable; whatever else it raises means the same.
        log.warning("readiness check failed: %r", error)
        raise StorageUnavailable() from error
    return StatusOut("ready")


PUBLIC = [health, ready]
