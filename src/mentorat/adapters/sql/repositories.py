"""Users, mentorings and messages in SQL: one explicit Core statement per port method.

Every statement is built once, here, with bind parameters; a call only binds values. Each
method issues a fixed number of statements whatever the size of the data (see
docs/persistence.md for the count per use case).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import (
    Column,
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mentorat.adapters.sql.errors import translated
from mentorat.adapters.sql.mapping import (
    MENTORING_COLUMNS,
    MENTORING_WIDTH,
    MESSAGE_COLUMNS,
    USER_COLUMNS,
    USER_WIDTH,
    mentoring_from_row,
    mentoring_values,
    message_from_new,
    message_from_row,
    new_mentoring_values,
    new_message_values,
    new_user_values,
    user_columns,
    user_from_row,
    user_values,
)
from mentorat.adapters.sql.tables import (
    OPEN_PAIR_WHERE,
    OPEN_STATUS_VALUES,
    Id,
    mentorings,
    messages,
    users,
)
from mentorat.application.ports import MentoringWithPeople
from mentorat.domain.chat import Message, MessagePage, NewMessage, PageRequest
from mentorat.domain.errors import (
    ConcurrentUpdate,
    OpenMentoringExists,
    UsernameTaken,
    UserNotFound,
)
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import Mentoring, NewMentoring, Role, Status
from mentorat.domain.users import NewUser, User, UserId, username_key

# --- users -------------------------------------------------------------------------------------


def _insert_unless_taken(table: Table, *columns: Column[Any], where: Any = None) -> dict[str, Any]:
    """INSERT ... ON CONFLICT (the unique key) DO NOTHING RETURNING id, for each dialect.

    A clash returns no row instead of raising, so the transaction stays usable after the
    domain error, as with the memory adapter. The unique index still decides, races included:
    on PostgreSQL a twin waits for the first writer's commit, then does nothing.
    """
    return {
        name: insert_(table)
        .on_conflict_do_nothing(index_elements=list(columns), index_where=where)
        .returning(table.c.id)
        for name, insert_ in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
    }


_USER_INSERT: Final = _insert_unless_taken(users, users.c.username_key)
_USER_BY_ID: Final = select(*USER_COLUMNS).where(users.c.id == bindparam("id", type_=Id))
_USER_BY_KEY: Final = select(*USER_COLUMNS).where(users.c.username_key == bindparam("key"))
_USERS_BY_IDS: Final = select(*USER_COLUMNS).where(
    users.c.id.in_(bindparam("ids", type_=Id, expanding=True))
)
_USER_UPDATE: Final = (
    update(users)
    .where(users.c.id == bindparam("b_id", type_=Id))
    .values(
        {
            name: bindparam(f"b_{name}", type_=users.c[name].type)
            for name in (
                "username",
                "username_key",
                "email",
                "password_hash",
                "first_name",
                "last_name",
                "is_mentor",
                "phone_number",
                "is_verified",
                "is_active",
            )
        }
    )
)


class SqlUsers:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection
        self._insert = _USER_INSERT[connection.dialect.name]

    async def add(self, new: NewUser) -> User:
        # The unique index on username_key decides; a clash becomes UsernameTaken.
        with translated():
            result = await self._conn.execute(self._insert, new_user_values(new))
            user_id = result.scalar_one_or_none()
        if user_id is None:
            raise UsernameTaken()
        return User.from_new(UserId(user_id), new)

    async def get(self, user_id: UserId) -> User | None:
        with translated():
            result = await self._conn.execute(_USER_BY_ID, {"id": user_id})
            row = result.first()
        return None if row is None else user_from_row(row)

    async def get_by_username(self, username: str) -> User | None:
        with translated():
            result = await self._conn.execute(_USER_BY_KEY, {"key": username_key(username)})
            row = result.first()
        return None if row is None else user_from_row(row)

    async def get_many(self, user_ids: Sequence[UserId]) -> dict[UserId, User]:
        if not user_ids:
            return {}
        with translated():
            result = await self._conn.execute(_USERS_BY_IDS, {"ids": sorted(set(user_ids))})
            rows = result.all()
        found = (user_from_row(row) for row in rows)
        return {user.id: user for user in found}

    async def save(self, user: User) -> None:
        with translated():
            result = await self._conn.execute(_USER_UPDATE, user_values(user))
        if result.rowcount != 1:
            raise UserNotFound()


# --- mentorings --------------------------------------------------------------------------------

_MENTORING_INSERT: Final = _insert_unless_taken(
    mentorings, mentorings.c.mentor_id, mentorings.c.mentee_id, where=OPEN_PAIR_WHERE
)
_MENTORING_BY_ID: Final = select(*MENTORING_COLUMNS).where(
    mentorings.c.id == bindparam("id", type_=Id)
)
_MENTORING_BY_ID_FOR_UPDATE: Final = _MENTORING_BY_ID.with_for_update()
# Only the version it was loaded at may be overwritten: a lost race updates no row.
_MENTORING_UPDATE: Final = (
    update(mentorings)
    .where(
        mentorings.c.id == bindparam("b_id", type_=Id),
        mentorings.c.version == bindparam("b_version", type_=mentorings.c.version.type),
    )
    .values(
        {
            **{
                name: bindparam(f"b_{name}", type_=mentorings.c[name].type)
                for name in (
                    "status",
                    "start_date",
                    "end_date",
                    "updated_at",
                    "accepted_at",
                    "message_count",
                    "last_message_at",
                )
            },
            "version": mentorings.c.version + 1,
        }
    )
)
# Spelled exactly as the partial index's predicate, so SQLite (which matches predicates
# textually) can answer from that index too.
_OPEN_PAIR: Final = (
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


def _list_statement(role: Role | None, status: Status | None) -> Select[Any]:
    where: list[ColumnElement[bool]] = [
        _INVOLVED if role is None else _AS_MENTOR if role is Role.MENTOR else _AS_MENTEE
    ]
    if status is not None:
        where.append(mentorings.c.status == bindparam("status"))
    return select(*MENTORING_COLUMNS).where(*where).order_by(mentorings.c.id)


_LISTS: Final = {
    (role, status is not None): _list_statement(role, status)
    for role in (None, Role.MENTOR, Role.MENTEE)
    for status in (None, Status.PENDING)
}
_ACCEPTED_LIST: Final = (
    select(*MENTORING_COLUMNS).where(_INVOLVED, _ACCEPTED).order_by(mentorings.c.id)
)


def _with_people_statement(lateral: bool) -> Select[Any]:
    """Accepted mentorings of a user with both participants, in one statement.

    On PostgreSQL each participant is a LATERAL lookup with LIMIT 1: the planner must then
    probe the users primary key once per mentoring instead of choosing a hash join over a
    scan of the whole users table (perf-notes trap 4). SQLite always nests loops by index.
    """
    mentee_t, mentor_t = users.alias("mentee"), users.alias("mentor")
    if not lateral:
        return (
            select(*MENTORING_COLUMNS, *user_columns(mentee_t), *user_columns(mentor_t))
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
    return (
        select(*MENTORING_COLUMNS, *mentee.c, *mentor.c)
        .select_from(mentorings)
        .join(mentee, true())
        .join(mentor, true())
        .where(_INVOLVED, _ACCEPTED)
        .order_by(mentorings.c.id)
    )


_WITH_PEOPLE: Final = {False: _with_people_statement(False), True: _with_people_statement(True)}


class SqlMentorings:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection
        self._insert = _MENTORING_INSERT[connection.dialect.name]
        self._with_people = _WITH_PEOPLE[connection.dialect.name == "postgresql"]

    async def add(self, new: NewMentoring) -> Mentoring:
        # The partial unique index decides; a racing twin becomes OpenMentoringExists.
        with translated():
            result = await self._conn.execute(self._insert, new_mentoring_values(new))
            mentoring_id = result.scalar_one_or_none()
        if mentoring_id is None:
            raise OpenMentoringExists()
        return Mentoring.from_new(MentoringId(mentoring_id), new)

    async def get(self, mentoring_id: MentoringId, *, for_update: bool = False) -> Mentoring | None:
        # FOR UPDATE on PostgreSQL; SQLite drops the clause, its BEGIN IMMEDIATE already
        # serializes writers.
        statement = _MENTORING_BY_ID_FOR_UPDATE if for_update else _MENTORING_BY_ID
        with translated():
            result = await self._conn.execute(statement, {"id": mentoring_id})
            row = result.first()
        return None if row is None else mentoring_from_row(row)

    async def save(self, mentoring: Mentoring) -> None:
        with translated():
            result = await self._conn.execute(_MENTORING_UPDATE, mentoring_values(mentoring))
        if result.rowcount != 1:
            raise ConcurrentUpdate()
        mentoring.version += 1

    async def has_open_between(self, mentor_id: UserId, mentee_id: UserId) -> bool:
        with translated():
            result = await self._conn.execute(
                _OPEN_PAIR, {"mentor_id": mentor_id, "mentee_id": mentee_id}
            )
            return result.first() is not None

    async def list_for(
        self, user_id: UserId, *, status: Status | None = None, role: Role | None = None
    ) -> list[Mentoring]:
        statement = _LISTS[role, status is not None]
        params: dict[str, Any] = {"user_id": user_id}
        if status is not None:
            params["status"] = str(status)
        return await self._list(statement, params)

    async def list_accepted_for(self, user_id: UserId) -> list[Mentoring]:
        return await self._list(_ACCEPTED_LIST, {"user_id": user_id})

    async def _list(self, statement: Select[Any], params: dict[str, Any]) -> list[Mentoring]:
        with translated():
            result = await self._conn.execute(statement, params)
            rows = result.all()
        return [mentoring_from_row(row) for row in rows]

    async def list_accepted_with_people(self, user_id: UserId) -> list[MentoringWithPeople]:
        with translated():
            result = await self._conn.execute(self._with_people, {"user_id": user_id})
            rows = result.all()
        mentee_at = MENTORING_WIDTH
        mentor_at = MENTORING_WIDTH + USER_WIDTH
        return [
            MentoringWithPeople(
                mentoring_from_row(row),
                user_from_row(row, mentee_at),
                user_from_row(row, mentor_at),
            )
            for row in rows
        ]


# --- messages ----------------------------------------------------------------------------------

_MAX_ID: Final = 2**63 - 1
_MESSAGE_INSERT: Final = insert(messages).returning(messages.c.id)
_MESSAGE_BY_ID: Final = select(*MESSAGE_COLUMNS).where(messages.c.id == bindparam("id", type_=Id))


def _chat_range(table: Any, low: str, high: str) -> ColumnElement[bool]:
    """Messages of chat :m with :low <= id <= :high, as a range of the (mentoring_id, id) index.

    Written as row-value bounds rather than `mentoring_id = :m AND id < :x`: with the equality
    PostgreSQL may walk the primary key backwards and filter by chat, which it misjudges for a
    chat holding a large share of all messages (perf-notes trap 1). Row-value bounds with an
    ORDER BY on both columns leave the composite index as the only ordered path.

    One more rule makes the cost independent of the chat's size: a btree positions a scan on
    the whole row value, but ends it only when the *first* column leaves its range. So every
    scan starts at its cursor and walks toward the chat's edge (id 1 or the largest id), where
    the change of mentoring_id ends it; a scan that walked toward a cursor in the middle of a
    chat would read the rest of that chat when the page is not full.
    """
    key = tuple_(table.c.mentoring_id, table.c.id)
    chat = bindparam("m", type_=Id)
    return and_(
        key >= tuple_(chat, bindparam(low, type_=Id)),
        key <= tuple_(chat, bindparam(high, type_=Id)),
    )


def _walk(table: Any, *, up: bool) -> tuple[ColumnElement[Any], ...]:
    columns = (table.c.mentoring_id, table.c.id)
    return columns if up else tuple(c.desc() for c in columns)


def _page_statement(*, newer: bool, other_side: bool) -> Select[Any]:
    """Up to :n messages of chat :m in [:low, :high], walking up (newer) or down the index.

    With `other_side`, one more column says whether any message lies in [:other_low,
    :other_high] (the other side of the cursor, probed walking away from it); an outer join
    to a one-row anchor keeps that answer when the page is empty.
    """
    page = (
        select(*MESSAGE_COLUMNS)
        .where(_chat_range(messages, "low", "high"))
        .order_by(*_walk(messages, up=newer))
        .limit(bindparam("n"))
    )
    if not other_side:
        return page
    rows = page.subquery("page")
    other = messages.alias("other")
    probe = (
        select(other.c.id)
        .where(_chat_range(other, "other_low", "other_high"))
        .order_by(*_walk(other, up=not newer))
        .limit(1)
        .scalar_subquery()
    )
    anchor = select(literal_column("1").label("one")).subquery("anchor")
    return select(*rows.c, probe.is_not(None).label("other_side")).select_from(
        anchor.outerjoin(rows, true())
    )


_NEWEST: Final = _page_statement(newer=False, other_side=False)
_BEFORE: Final = _page_statement(newer=False, other_side=True)
_AFTER: Final = _page_statement(newer=True, other_side=True)


class SqlMessages:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, new: NewMessage) -> Message:
        with translated():
            result = await self._conn.execute(_MESSAGE_INSERT, new_message_values(new))
        return message_from_new(result.scalar_one(), new)

    async def get(self, message_id: MessageId) -> Message | None:
        with translated():
            result = await self._conn.execute(_MESSAGE_BY_ID, {"id": message_id})
            row = result.first()
        return None if row is None else message_from_row(row)

    async def page(self, mentoring_id: MentoringId, request: PageRequest) -> MessagePage:
        limit, before, after = request.limit, request.before, request.after
        params: dict[str, Any] = {"m": mentoring_id, "n": limit + 1}
        if after is not None:
            statement = _AFTER
            params.update(low=after + 1, high=_MAX_ID, other_low=1, other_high=after)
        elif before is not None:
            statement = _BEFORE
            params.update(low=1, high=before - 1, other_low=before, other_high=_MAX_ID)
        else:
            statement = _NEWEST
            params.update(low=1, high=_MAX_ID)
        with translated():
            result = await self._conn.execute(statement, params)
            rows = result.all()
        other_side = False
        if statement is not _NEWEST:
            other_side = bool(rows[0][-1])
            rows = [row for row in rows if row[0] is not None]
        found = sorted((message_from_row(row) for row in rows), key=lambda m: m.id)
        if after is not None:
            chosen = found[:limit]
            older: MessageId | None = None
            if other_side:
                older = chosen[0].id if chosen else MessageId(after + 1)
            newer = chosen[-1].id if len(found) > limit else None
            return MessagePage(chosen, older, newer)
        chosen = found[-limit:]
        older = chosen[0].id if len(found) > limit else None
        newer = None
        if before is not None and other_side:
            newer = chosen[-1].id if chosen else MessageId(before - 1)
        return MessagePage(chosen, older, newer)
