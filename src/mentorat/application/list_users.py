"""Accounts for administrators: a page of users, searched by name or email."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.ports import UnitOfWork
from mentorat.application.views import AccountView
from mentorat.domain.chat import ID_MAX
from mentorat.domain.errors import InvalidPaging
from mentorat.domain.users import UserId, ensure_storable

USERS_PAGE_DEFAULT = 50
USERS_PAGE_MAX = 200
SEARCH_MAX = 150


@dataclass(frozen=True, slots=True)
class UsersQuery:
    """Users with an id greater than `after`, at most `limit`, whose username, email or names
    contain `search` (ignoring case) when it is given."""

    search: str = ""
    after: UserId | None = None
    limit: int = USERS_PAGE_DEFAULT

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= USERS_PAGE_MAX:
            raise InvalidPaging(
                "limit", f"limit must be an integer between 1 and {USERS_PAGE_MAX}."
            )
        if self.after is not None and not 0 <= self.after < ID_MAX:
            raise InvalidPaging("after", "after must be a user id (0 for the first page).")
        ensure_storable("search", self.search)
        if len(self.search) > SEARCH_MAX:
            raise InvalidPaging("search", f"search is longer than {SEARCH_MAX} characters.")


@dataclass(frozen=True, slots=True)
class UsersPage:
    """`next_after`: the cursor of the next page, set exactly when more users match."""

    accounts: list[AccountView]
    next_after: UserId | None


class ListUsers:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, query: UsersQuery) -> UsersPage:
        async with self._uow(write=False) as tx:
            found = await tx.users.search(
                query.search.strip(), after=query.after, limit=query.limit + 1
            )
        shown = found[: query.limit]
        more = len(found) > query.limit
        return UsersPage([AccountView.of(user) for user in shown], shown[-1].id if more else None)
