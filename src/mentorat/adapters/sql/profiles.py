"""Profiles in SQL: `application.ports.Profiles` on the `profiles` table."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from sqlalchemy import Integer, and_, bindparam, insert, select, update

from mentorat.adapters.sql.mapping import (
    PROFILE_COLUMNS,
    PROFILE_ROW,
    PROFILE_SAVED,
    PROFILE_WIDTH,
    STANDING_FIELDS,
    USER_COLUMNS,
    USER_WIDTH,
    bound,
    new_profile_values,
    profile_from_row,
    profile_values,
    standing_from_row,
    user_from_row,
)
from mentorat.adapters.sql.statements import Runner, Statement
from mentorat.adapters.sql.tables import Id, profiles, users
from mentorat.domain.errors import UserNotFound
from mentorat.domain.profiles import MentorStanding, Profile
from mentorat.domain.users import User, UserId

_USER: Final = bindparam("who", type_=Id)
NEW: Final = Statement(insert(profiles).values(bound(profiles, PROFILE_ROW)))
_GET: Final = Statement(
    select(*PROFILE_COLUMNS, *(profiles.c[name] for name in STANDING_FIELDS)).where(
        profiles.c.user_id == _USER
    )
)
_SELECT_WITH_OWNER: Final = (
    select(*USER_COLUMNS, *PROFILE_COLUMNS, *(profiles.c[name] for name in STANDING_FIELDS))
    .join_from(users, profiles, profiles.c.user_id == users.c.id)
    .where(users.c.id == _USER)
)
_WITH_OWNER: Final = Statement(_SELECT_WITH_OWNER)
# Both rows (SQLite drops the clause: its BEGIN IMMEDIATE already serializes writers).
_WITH_OWNER_FOR_UPDATE: Final = Statement(_SELECT_WITH_OWNER.with_for_update())
_SAVED: Final = bound(profiles, PROFILE_SAVED, "b_")
_SAVE: Final = Statement(
    update(profiles)
    .where(profiles.c.user_id == _USER)
    .values(
        {
            **_SAVED,
            "available": and_(
                _SAVED["accepting_requests"], profiles.c.active_mentees < _SAVED["capacity"]
            ),
        }
    )
)
# The row's lock (PostgreSQL re-reads the row a concurrent writer just committed) makes
# concurrent accepts for one mentor take places one after the other; SQLite has one writer.
_TAKE_PLACE: Final = Statement(
    update(profiles)
    .where(profiles.c.user_id == _USER, profiles.c.active_mentees < profiles.c.capacity)
    .values(
        active_mentees=profiles.c.active_mentees + 1,
        available=and_(
            profiles.c.accepting_requests, profiles.c.active_mentees + 1 < profiles.c.capacity
        ),
    )
)
_FREE_PLACE: Final = Statement(
    update(profiles)
    .where(profiles.c.user_id == _USER, profiles.c.active_mentees > 0)
    .values(
        active_mentees=profiles.c.active_mentees - 1,
        available=and_(
            profiles.c.accepting_requests, profiles.c.active_mentees - 1 < profiles.c.capacity
        ),
    )
)
# A user's activity or role changed: whether the directory lists them.
LISTED: Final = Statement(
    update(profiles)
    .where(profiles.c.user_id == _USER)
    .values(listed=bindparam("listed", type_=profiles.c.listed.type))
)
_ANSWER_TIME: Final = Statement(
    update(profiles)
    .where(profiles.c.user_id == _USER)
    .values(answer_seconds=bindparam("seconds", type_=Integer))
)


class SqlProfiles:
    __slots__ = ("_run",)

    def __init__(self, run: Runner) -> None:
        self._run = run

    async def add_empty(self, owner: User) -> None:
        """The empty profile of a user just added (`SqlUsers.add`)."""
        await self._run.execute(NEW, new_profile_values(owner))

    async def get(self, user_id: UserId) -> tuple[Profile, MentorStanding] | None:
        row = await self._run.first(_GET, {"who": user_id})
        if row is None:
            return None
        return profile_from_row(row), standing_from_row(row, PROFILE_WIDTH)

    async def get_with_owner(
        self, user_id: UserId, *, for_update: bool = False
    ) -> tuple[User, Profile, MentorStanding] | None:
        statement = _WITH_OWNER_FOR_UPDATE if for_update else _WITH_OWNER
        row = await self._run.first(statement, {"who": user_id})
        if row is None:
            return None
        profile_at = USER_WIDTH
        standing_at = USER_WIDTH + PROFILE_WIDTH
        return (
            user_from_row(row),
            profile_from_row(row, profile_at),
            standing_from_row(row, standing_at),
        )

    async def save(self, profile: Profile, owner: User) -> None:
        saved = {"who": profile.user_id, **profile_values(profile, owner, "b_")}
        if await self._run.execute(_SAVE, saved) != 1:
            raise UserNotFound()

    async def take_place(self, mentor_id: UserId) -> bool:
        return await self._run.execute(_TAKE_PLACE, {"who": mentor_id}) == 1

    async def free_place(self, mentor_id: UserId) -> None:
        await self._run.execute(_FREE_PLACE, {"who": mentor_id})

    async def record_answer_time(self, mentor_id: UserId, answer_time: timedelta | None) -> None:
        seconds = None if answer_time is None else int(answer_time.total_seconds())
        await self._run.execute(_ANSWER_TIME, {"who": mentor_id, "seconds": seconds})
