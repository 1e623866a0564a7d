"""Pages of a caller's lists of mentorings: by id ascending, after a cursor, a bounded size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from mentorat.domain.chat import ID_MAX, PAGE_MAX
from mentorat.domain.errors import InvalidPaging
from mentorat.domain.events import MentoringId

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ListPage:
    """The items with an id greater than `after` (None: from the first), at most `limit` of
    them (None: all of them, as a list without paging parameters answers)."""

    after: MentoringId | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.limit is not None and not 1 <= self.limit <= PAGE_MAX:
            raise InvalidPaging("limit", f"limit must be an integer between 1 and {PAGE_MAX}.")
        if self.after is not None and not 0 <= self.after < ID_MAX:
            raise InvalidPaging("after", "after must be a mentoring id (0 for the first page).")

    @property
    def to_read(self) -> int | None:
        """How many items a store reads for this page: one more than shown tells whether more
        exist."""
        return None if self.limit is None else self.limit + 1


@dataclass(frozen=True, slots=True)
class Paged(Generic[T]):
    """One page of a list, and the `after` cursor of the next page, set exactly when more
    items exist."""

    items: list[T]
    next_after: MentoringId | None = None


def paged(found: list[T], page: ListPage, id_of: Callable[[T], MentoringId]) -> Paged[T]:
    """The page made of what a store read for it (`page.to_read` items at most, by id)."""
    if page.limit is None or len(found) <= page.limit:
        return Paged(found)
    shown = found[: page.limit]
    return Paged(shown, id_of(shown[-1]))
