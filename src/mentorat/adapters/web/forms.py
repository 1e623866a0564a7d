"""Reading submitted forms: text fields, comma-separated tags, dates, checkboxes, ids."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from mentorat.domain.chat import ID_MAX
from mentorat.domain.errors import InvalidInput

# An id in a page's path.
PathId = Annotated[int, Parameter(description="An id.")]


async def form_of(request: Request[Any, Any, Any]) -> FormMultiDict:
    return await request.form()


def text(form: FormMultiDict, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def tags(form: FormMultiDict, name: str) -> list[str]:
    return [tag.strip() for tag in text(form, name).split(",") if tag.strip()]


def checked(form: FormMultiDict, name: str) -> bool:
    return text(form, name) in ("on", "true", "1")


def maybe_date(form: FormMultiDict, name: str) -> date | None:
    return a_date(form, name) if text(form, name).strip() else None


def a_date(form: FormMultiDict, name: str) -> date:
    raw = text(form, name).strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(name, f"{name} must be a date (YYYY-MM-DD).") from None


def a_number(form: FormMultiDict, name: str) -> int:
    raw = text(form, name).strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
        raise InvalidInput(name, f"{name} must be a whole number.")
    return int(raw)


def an_id(raw: int) -> int:
    """A path's id: one no store can hold is simply not there."""
    if not 0 < raw < ID_MAX:
        raise NotFoundException()
    return raw
