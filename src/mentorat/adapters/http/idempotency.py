"""The `Idempotency-Key` request header: what a retried POST carries to be answered once."""

from __future__ import annotations

import hashlib
from typing import Any, Final

from litestar import Request
from litestar.params import HeaderParameter

from mentorat.application.idempotency import KEY_MAX_LENGTH

HEADER: Final = "idempotency-key"

IdempotencyKeyParam = HeaderParameter(
    name="Idempotency-Key",
    required=False,
    # The header is a plain string: its schema states the rule `checked_key` enforces.
    schema_extra={
        "one_of": None,
        "type": "string",
        "min_length": 1,
        "max_length": KEY_MAX_LENGTH,
        "pattern": rf"^[\x20-\x7E]{{1,{KEY_MAX_LENGTH}}}$",
    },
    description=(
        "Optional, 1-255 printable ASCII characters, scoped to the caller. A retry with the "
        "same key and the same body within 24 hours gets the first answer again without a "
        "second write; the same key with another body is a 422; a retry while the first "
        "request is still running is a 409."
    ),
)


async def idempotency_of(request: Request[Any, Any, Any]) -> tuple[str | None, str]:
    """The key the client sent (None without one) and the fingerprint of this request.

    The fingerprint covers the method, the path without its optional trailing slash (both
    spellings are the same endpoint) and the raw body.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return None, ""
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b" ")
    digest.update(request.url.path.rstrip("/").encode())
    digest.update(b"\n")
    digest.update(await request.body())
    return key, digest.hexdigest()
