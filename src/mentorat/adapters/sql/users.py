"""Users in SQL: `application.ports.Users` on the `users` table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import String, any_, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from mentorat.adapters.sql.mapping import (
    USER_COLUMNS,
    USER_INSERTED,
    bound,
    listed,
    new_profile_values,
    new_user_values,
    user_from_row,
    user_values,
)
from mentorat.adapters.sql.profiles import LISTED, NEW, SqlProfiles
from mentorat.adapters.sql.statements import Runner, Statement, insert_unless_taken
from mentorat.adapters.sql.tables import Id, users
from mentorat.domain.errors import UsernameTaken, UserNotFound
from mentorat.domain.users import NewUser, User, UserId, username_key

_INSERT: Final = insert_unless_taken(
    users, bound(users, USER_INSERTED), [users.c.username_key], users.c.id
)
_SELECT_BY_ID: Final = select(*USER_COLUMNS).where(users.c.id == bindparam("id", type_=Id))
_BY_ID: Final = Statement(_SELECT_BY_ID)
_BY_ID_FOR_UPDATE: Final = Statement(_SELECT_BY_ID.with_for_update())
_SELECT_BY_KEY: Final = select(*USER_COLUMNS).where(users.c.username_key == bindparam("key"))
_BY_KEY: Final = Statement(_SELECT_BY_KEY)
# SQLite drops FOR UPDATE: its BEGIN IMMEDIATE already serializes writers.
_BY_KEY_FOR_UPDATE: Final = Statement(_SELECT_BY_KEY.with_for_update())
_BY_IDS: Final = Statement(
    select(*USER_COLUMNS).where(users.c.id == any_(bindparam("ids", type_=ARRAY(Id)))),
    sqlite=select(*USER_COLUMNS).where(users.c.id.in_(bindparam("ids", expanding=True))),
)
_UPDATE: Final = Statement(
    update(users)
    .where(users.c.id == bindparam("b_id", type_=Id))
    .values(bound(users, USER_INSERTED, "b_"))
)


_SEARCH_AFTER: Final = select(*USER_COLUMNS).where(users.c.id > bindparam("after", type_=Id))
_PATTERN: Final = bindparam("pattern", type_=String())
_SEARCH: Final = {
    False: Statement(_SEARCH_AFTER.order_by(users.c.id).limit(bindparam("limit"))),
    True: Statement(
        _SEARCH_AFTER.where(
            or_(
                users.c.username_key.like(_PATTERN, escape="\\"),
                *(
                    func.lower(column).like(_PATTERN, escape="\\")
                    for column in (users.c.email, users.c.first_name, users.c.last_name)
                ),
            )
        )
        .order_by(users.c.id)
        .limit(bindparam("limit"))
    ),
}
_NO_LIMIT: Final = 2**62


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_INSERT_EXISTING: Final = Statement(insert(users).values(bound(users, ("id", *USER_INSERTED))))
# PostgreSQL's identity goes on from the largest id; SQLite's rowid always does.
_FOLLOW_IDS: Final = Statement(
    select(
        func.setval(
            func.pg_get_serial_sequence("users", "id"),
            select(func.max(users.c.id)).scalar_subquery(),
        )
    ),
    sqlite=select(literal(1)),
)


class SqlUsers:
    __slots__ = ("_run",)

    def __init__(self, run: Runner) -> None:
        self._run = run

    async def add(self, new: NewUser) -> User:
        # The unique index on username_key decides; a clash becomes UsernameTaken.
        row = await self._run.first(_INSERT, new_user_values(new))
        if row is None:
            raise UsernameTaken()
        user = User.from_new(UserId(row[0]), new)
        await SqlProfiles(self._run).add_empty(user)
        return user

    async def get(self, user_id: UserId, *, for_update: bool = False) -> User | None:
        row = await self._run.first(_BY_ID_FOR_UPDATE if for_update else _BY_ID, {"id": user_id})
        return None if row is None else user_from_row(row)

    async def get_by_username(self, username: str, *, for_update: bool = False) -> User | None:
        statement = _BY_KEY_FOR_UPDATE if for_update else _BY_KEY
        row = await self._run.first(statement, {"key": username_key(username)})
        return None if row is None else user_from_row(row)

    async def get_many(self, user_ids: Sequence[UserId]) -> dict[UserId, User]:
        if not user_ids:
            return {}
        rows = await self._run.rows(_BY_IDS, {"ids": sorted(set(user_ids))})
        found = (user_from_row(row) for row in rows)
        return {user.id: user for user in found}

    async def save(self, user: User) -> None:
        changed = await self._run.execute(_UPDATE, {"b_id": user.id, **user_values(user, "b_")})
        if changed != 1:
            raise UserNotFound()
        await self._run.execute(LISTED, {"who": user.id, "listed": listed(user)})

    async def add_existing(self, people: Sequence[User]) -> None:
        if not people:
            return
        await self._run.execute_many(
            _INSERT_EXISTING, [{"id": user.id, **user_values(user)} for user in people]
        )
        await self._run.execute_many(NEW, [new_profile_values(user) for user in people])
        await self._run.execute(_FOLLOW_IDS, {})

    async def search(
        self, text: str = "", *, after: UserId | None = None, limit: int | None = None
    ) -> list[User]:
        params: dict[str, object] = {
            "after": after or 0,
            "limit": _NO_LIMIT if limit is None else limit,
        }
        if text:
            params["pattern"] = _contains(text.lower())
        rows = await self._run.rows(_SEARCH[bool(text)], params)
        return [user_from_row(row) for row in rows]
