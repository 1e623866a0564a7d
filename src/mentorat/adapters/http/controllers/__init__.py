"""Route handlers: decode a struct, build a command, await one use case, encode the view.

No business rule lives here; refusals come from the use cases as `MentoratError`s and become
responses in `adapters/http/errors.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import ResponseHeader, State

from mentorat.adapters.http.context import public_base_url
from mentorat.application.views import UserView
from mentorat.domain.chat import ID_MAX
from mentorat.domain.errors import InvalidPaging, MentoringNotFound
from mentorat.domain.events import MentoringId

# How a path id is documented; the route still takes a string and checks it (see parse_id).
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX}


def link_doc(description: str) -> ResponseHeader:
    """How a paged answer's `Link` header is documented; set by `link_header`, not Litestar.

    The `value` is never sent (documentation only): it gives the header its string schema,
    which OpenAPI requires of every header."""
    return ResponseHeader(
        name="Link", description=description, documentation_only=True, required=False, value=""
    )


def query_integer(minimum: int, maximum: int) -> dict[str, object]:
    """How an integer query parameter is documented (the route reads a string and checks it)."""
    return {"one_of": None, "type": "integer", "minimum": minimum, "maximum": maximum}


def query_choice(*choices: str) -> dict[str, object]:
    """How a query parameter with a fixed set of values is documented. An empty value is one
    of them: it means the filter is not applied, as if the parameter were absent."""
    return {"one_of": None, "type": "string", "enum": ["", *choices]}


def query_int(name: str, raw: str | None) -> int | None:
    """A query integer in ASCII digits; empty means absent. Ranges are the domain's to check."""
    if not raw:
        return None
    digits = raw[1:] if raw[:1] == "-" else raw
    if digits.isascii() and digits.isdigit() and len(digits) <= 20:
        return int(raw)
    raise InvalidPaging(name, f"{name} must be an integer.")


# A request whose caller the bearer guard has established.
Authenticated = Request[UserView, Any, State]
Anonymous = Request[Any, Any, State]


def parse_id(raw: str) -> MentoringId:
    """A path id: ASCII digits for a positive 64-bit integer, or no such mentoring (404).

    Routes take ids as strings because int() is lenient ("٥", "1_0", " 5") and unbounded.
    """
    if raw.isascii() and raw.isdigit() and len(raw) <= 19:
        value = int(raw)
        if 0 < value <= ID_MAX:
            return MentoringId(value)
    raise MentoringNotFound()


def link_header(
    request: Request[Any, Any, Any],
    path: str,
    query: Mapping[str, object],
    rels: Mapping[str, Mapping[str, object]],
) -> dict[str, str] | None:
    """The `Link` header (RFC 8288) of a paged answer, None when there is no other page.

    Each rel links to `path` (the contract's canonical form, with its trailing slash, without
    a leading one) with the page's `query` and the rel's cursor. Absolute, like DRF's links.
    A list in `query` repeats its parameter (`skill=a&skill=b`).
    """
    if not rels:
        return None
    url = f"{public_base_url(request)}{path}"
    links = [
        f'<{url}?{urlencode({**query, **cursor}, doseq=True)}>; rel="{rel}"'
        for rel, cursor in rels.items()
    ]
    return {"Link": ", ".join(links)}
