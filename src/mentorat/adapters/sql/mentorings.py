"""Mentorings in SQL: `application.ports.Mentorings` on the `mentorings` table."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    text,
    true,
    update,
)

from mentorat.adapters.sql.mapping import (
    LIFECYCLE_FIELDS,
    MENTORING_COLUMNS,
    MENTORING_INSERTED,
    MENTORING_WIDTH,
    USER_WIDTH,
    bound,
    mentoring_from_row,
    mentoring_values,
    new_mentoring_values,
    user_columns,
    user_from_row,
)
from mentorat.adapters.sql.statements import Runner, Statement, insert_unless_taken
from mentorat.adapters.sql.tables import (
    OPEN_PAIR_WHERE,
    OPEN_STATUS_VALUES,
    Id,
    chat_reads,
    goals,
    mentorings,
    users,
)
from mentorat.application.ports import MentoringWithPeople
from mentorat.domain.errors import ConcurrentUpdate, OpenMentoringExists
from mentorat.domain.events import MentoringId
from mentorat.domain.goals import GoalTally
from mentorat.domain.mentoring import Mentoring, NewMentoring, Role, Status
from mentorat.domain.users import UserId

_INSERT: Final = insert_unless_taken(
    mentorings,
    bound(mentorings, MENTORING_INSERTED),
    [mentorings.c.mentor_id, mentorings.c.mentee_id],
    mentorings.c.id,
    OPEN_PAIR_WHERE,
)
_SELECT_BY_ID: Final = select(*MENTORING_COLUMNS).where(
    mentorings.c.id == bindparam("id", type_=Id)
)
BY_ID: Final = Statement(_SELECT_BY_ID)
# FOR UPDATE on PostgreSQL; SQLite drops the clause, its BEGIN IMMEDIATE already serializes
# writers.
_BY_ID_FOR_UPDATE: Final = Statement(_SELECT_BY_ID.with_for_update())
# Only the version it was loaded at may be overwritten: a lost race updates no row. The chat's
# counters are the posts' to move, never overwritten from a loaded copy.
_UPDATE: Final = Statement(
    update(mentorings)
    .where(
        mentorings.c.id == bindparam("b_id", type_=Id),
        mentorings.c.version == bindparam("b_loaded_version", type_=mentorings.c.version.type),
    )
    .values(bound(mentorings, LIFECYCLE_FIELDS, "b_"))
)
# Spelled exactly as the partial index's predicate, so SQLite (which matches predicates
# textually) answers from that index too.
_OPEN_PAIR: Final = Statement(
    select(literal(1))
    .where(
        mentorings.c.mentor_id == bindparam("mentor_id", type_=Id),
        mentorings.c.mentee_id == bindparam("mentee_id", type_=Id),
        text(f"mentorings.status IN ({OPEN_STATUS_VALUES})"),
    )
    .limit(1)
)

_USER: Final = bindparam("user_id", type_=Id)
_AS_MENTOR: Final = mentorings.c.mentor_id == _USER
_AS_MENTEE: Final = mentorings.c.mentee_id == _USER
_INVOLVED: Final = or_(_AS_MENTOR, _AS_MENTEE)
_ACCEPTED: Final = mentorings.c.accepted_at.is_not(None)
# How many of the mentoring's messages come after :user_id's read mark: one lookup of the
# mark's primary key and a subtraction (`chat_reads`), at any chat size.
_UNREAD: Final = (
    mentorings.c.message_count
    - func.coalesce(
        select(chat_reads.c.read_count)
        .where(chat_reads.c.mentoring_id == mentorings.c.id, chat_reads.c.user_id == _USER)
        .scalar_subquery(),
        0,
    )
).label("unread")


_PENDING: Final = mentorings.c.status == Status.PENDING.value
_DUE: Final = and_(
    _PENDING, mentorings.c.created_at <= bindparam("cutoff", type_=mentorings.c.created_at.type)
)
# How a status filter reads with an expiry cutoff: a due pending request is expired.
_STATUS_AS_OF_CUTOFF: Final[dict[str, ColumnElement[bool]]] = {
    Status.PENDING.value: and_(_PENDING, ~_DUE),
    Status.EXPIRED.value: or_(mentorings.c.status == Status.EXPIRED.value, _DUE),
}


def _paged(query: Select[Any], after: bool, limited: bool) -> Select[Any]:
    """`query` (ordered by id) from ids above :after, :n rows at most."""
    if after:
        query = query.where(mentorings.c.id > bindparam("after", type_=Id))
    if limited:
        query = query.limit(bindparam("n", type_=Integer))
    return query


@cache
def _listed(role: Role | None, status: str | None, after: bool, limited: bool) -> Statement:
    """The mentorings of :user_id (in `role`), by id. `status`: "pending" or "expired" as of
    :cutoff, "stored" for the stored status :status, None for all."""
    where: list[ColumnElement[bool]] = [
        _INVOLVED if role is None else _AS_MENTOR if role == Role.MENTOR else _AS_MENTEE
    ]
    if status == "stored":
        where.append(mentorings.c.status == bindparam("status"))
    elif status is not None:
        where.append(_STATUS_AS_OF_CUTOFF[status])
    query = select(*MENTORING_COLUMNS).where(*where).order_by(mentorings.c.id)
    return Statement(_paged(query, after, limited))


@cache
def _accepted_list(after: bool, limited: bool, unread: bool = False) -> Statement:
    columns = [*MENTORING_COLUMNS, _UNREAD] if unread else MENTORING_COLUMNS
    query = select(*columns).where(_INVOLVED, _ACCEPTED).order_by(mentorings.c.id)
    return Statement(_paged(query, after, limited))


@cache
def _with_people(after: bool, limited: bool) -> Statement:
    """Accepted mentorings of :user_id with both participants and the tally of their goals
    (how many, how many done), in one statement.

    On PostgreSQL each participant is a LATERAL lookup with LIMIT 1: the planner must then
    probe the users primary key once per mentoring, where a join lets it choose a hash join
    over a scan of the whole users table. The tally is a LATERAL aggregate too, a range of the
    goals' `(mentoring_id, position)` index per mentoring. SQLite, which has no LATERAL,
    always nests loops by index, and counts with correlated subqueries on the same index.
    """
    mentee_t, mentor_t = users.alias("mentee"), users.alias("mentor")
    of_mentoring = goals.c.mentoring_id == mentorings.c.id
    goal_count = select(func.count()).where(of_mentoring).scalar_subquery()
    goals_done = select(func.count()).where(of_mentoring, goals.c.done).scalar_subquery()
    joined = (
        select(
            *MENTORING_COLUMNS,
            *user_columns(mentee_t),
            *user_columns(mentor_t),
            goal_count.label("goal_count"),
            goals_done.label("goals_done"),
            _UNREAD,
        )
        .join_from(mentorings, mentee_t, mentee_t.c.id == mentorings.c.mentee_id)
        .join(mentor_t, mentor_t.c.id == mentorings.c.mentor_id)
        .where(_INVOLVED, _ACCEPTED)
        .order_by(mentorings.c.id)
    )
    mentee = (
        select(*user_columns(mentee_t))
        .where(mentee_t.c.id == mentorings.c.mentee_id)
        .limit(1)
        .lateral("mentee_l")
    )
    mentor = (
        select(*user_columns(mentor_t))
        .where(mentor_t.c.id == mentorings.c.mentor_id)
        .limit(1)
        .lateral("mentor_l")
    )
    tally = (
        select(
            func.count().label("goal_count"),
            func.count().filter(goals.c.done).label("goals_done"),
        )
        .where(of_mentoring)
        .lateral("goals_l")
    )
    lateral: Select[Any] = (
        select(*MENTORING_COLUMNS, *mentee.c, *mentor.c, *tally.c, _UNREAD)
        .select_from(mentorings)
        .join(mentee, true())
        .join(mentor, true())
        .join(tally, true())
        .where(_INVOLVED, _ACCEPTED)
        .order_by(mentorings.c.id)
    )
    return Statement(_paged(lateral, after, limited), sqlite=_paged(joined, after, limited))


# Answered requests: accepted ones (dated by `accepted_at`) and refused ones, whose last change
# was the refusal.
_ANSWERS: Final = Statement(
    select(
        mentorings.c.created_at, func.coalesce(mentorings.c.accepted_at, mentorings.c.updated_at)
    )
    .where(
        mentorings.c.mentor_id == bindparam("mentor_id", type_=Id),
        or_(_ACCEPTED, mentorings.c.status == Status.REJECTED.value),
    )
    .order_by(mentorings.c.id.desc())
    .limit(bindparam("latest", type_=Integer))
)

_WITH_PEOPLE: Final = _with_people(after=False, limited=False)


def _page_params(after: MentoringId | None, limit: int | None) -> dict[str, Any]:
    """The values of `_paged`'s binds that its statement has."""
    params: dict[str, Any] = {}
    if after is not None:
        params["after"] = after
    if limit is not None:
        params["n"] = limit
    return params


def _expire(pair: bool) -> Statement:
    """Record the expiry of the due requests (of the pair :pair_mentor, :pair_mentee), moving
    their version on as a save does; their ids."""
    where: list[ColumnElement[bool]] = [_DUE]
    if pair:
        where += [
            mentorings.c.mentor_id == bindparam("pair_mentor", type_=Id),
            mentorings.c.mentee_id == bindparam("pair_mentee", type_=Id),
        ]
    return Statement(
        update(mentorings)
        .where(*where)
        .values(status=Status.EXPIRED.value, version=mentorings.c.version + 1)
        .returning(mentorings.c.id)
    )


_EXPIRE: Final = _expire(pair=False)
_EXPIRE_PAIR: Final = _expire(pair=True)


class SqlMentorings:
    __slots__ = ("_run",)

    def __init__(self, run: Runner) -> None:
        self._run = run

    async def add(self, new: NewMentoring) -> Mentoring:
        # The partial unique index decides; a racing twin becomes OpenMentoringExists.
        row = await self._run.first(_INSERT, new_mentoring_values(new))
        if row is None:
            raise OpenMentoringExists()
        return Mentoring.from_new(MentoringId(row[0]), new)

    async def get(self, mentoring_id: MentoringId, *, for_update: bool = False) -> Mentoring | None:
        statement = _BY_ID_FOR_UPDATE if for_update else BY_ID
        row = await self._run.first(statement, {"id": mentoring_id})
        return None if row is None else mentoring_from_row(row)

    async def save(self, mentoring: Mentoring) -> None:
        saved = {
            **mentoring_values(mentoring, LIFECYCLE_FIELDS, "b_"),
            "b_id": mentoring.id,
            "b_loaded_version": mentoring.version,
            "b_version": mentoring.version + 1,
        }
        if await self._run.execute(_UPDATE, saved) != 1:
            raise ConcurrentUpdate()
        mentoring.version += 1

    async def has_open_between(self, mentor_id: UserId, mentee_id: UserId) -> bool:
        found = await self._run.first(_OPEN_PAIR, {"mentor_id": mentor_id, "mentee_id": mentee_id})
        return found is not None

    async def list_for(
        self,
        user_id: UserId,
        *,
        status: Status | None = None,
        role: Role | None = None,
        expired_before: datetime | None = None,
        after: MentoringId | None = None,
        limit: int | None = None,
    ) -> list[Mentoring]:
        params = {"user_id": user_id, **_page_params(after, limit)}
        kind: str | None = None
        if status is not None:
            value = Status(status).value
            if expired_before is not None and value in _STATUS_AS_OF_CUTOFF:
                kind, params["cutoff"] = value, expired_before
            else:
                kind, params["status"] = "stored", value
        statement = _listed(role, kind, after is not None, limit is not None)
        rows = await self._run.rows(statement, params)
        return [mentoring_from_row(row) for row in rows]

    async def list_accepted_for(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[Mentoring]:
        statement = _accepted_list(after is not None, limit is not None)
        rows = await self._run.rows(statement, {"user_id": user_id, **_page_params(after, limit)})
        return [mentoring_from_row(row) for row in rows]

    async def list_accepted_with_unread(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[tuple[Mentoring, int]]:
        statement = _accepted_list(after is not None, limit is not None, unread=True)
        rows = await self._run.rows(statement, {"user_id": user_id, **_page_params(after, limit)})
        return [(mentoring_from_row(row), int(row[MENTORING_WIDTH])) for row in rows]

    async def list_accepted_with_people(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[MentoringWithPeople]:
        statement = _with_people(after is not None, limit is not None)
        rows = await self._run.rows(statement, {"user_id": user_id, **_page_params(after, limit)})
        mentee_at = MENTORING_WIDTH
        mentor_at = MENTORING_WIDTH + USER_WIDTH
        tally_at = MENTORING_WIDTH + 2 * USER_WIDTH
        return [
            MentoringWithPeople(
                mentoring_from_row(row),
                user_from_row(row, mentee_at),
                user_from_row(row, mentor_at),
                GoalTally(*row[tally_at : tally_at + 2]),
                int(row[tally_at + 2]),
            )
            for row in rows
        ]

    async def answer_times(self, mentor_id: UserId, latest: int) -> list[timedelta]:
        rows = await self._run.rows(_ANSWERS, {"mentor_id": mentor_id, "latest": latest})
        return [answered - asked for asked, answered in rows]

    async def expire_requested_before(
        self, cutoff: datetime, *, pair: tuple[UserId, UserId] | None = None
    ) -> list[MentoringId]:
        if pair is None:
            rows = await self._run.rows(_EXPIRE, {"cutoff": cutoff})
        else:
            mentor_id, mentee_id = pair
            params = {"cutoff": cutoff, "pair_mentor": mentor_id, "pair_mentee": mentee_id}
            rows = await self._run.rows(_EXPIRE_PAIR, params)
        return sorted(MentoringId(row[0]) for row in rows)
