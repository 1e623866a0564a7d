"""Users, mentorings and messages in SQL: one explicit Core statement per port method.

Every statement is built once, here, with bind parameters; a call only binds values. Each
method issues a fixed number of statements whatever the size of the data (see
docs/persistence.md for the count per use case).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    DateTime,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    case,
    func,
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
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mentorat.adapters.sql.batching import ChatBatches, Post, Stored
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
from mentorat.adapters.sql.prepared import PreparedStatement
from mentorat.adapters.sql.tables import (
    OPEN_PAIR_WHERE,
    OPEN_STATUS_VALUES,
    Id,
    mentorings,
    messages,
    users,
)
from mentorat.application.ports import ChatRead, MentoringWithPeople
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


_PREPARED_USER_BY_ID: Final = PreparedStatement(_USER_BY_ID)


class SqlUsers:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection
        self._insert = _USER_INSERT[connection.dialect.name]
        self._prepared = connection.dialect.name == "postgresql"

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
            if self._prepared:
                rows = await _PREPARED_USER_BY_ID.rows(self._conn, {"id": user_id})
                row = rows[0] if rows else None
            else:
                row = (await self._conn.execute(_USER_BY_ID, {"id": user_id})).first()
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
_PREPARED_MENTORING_BY_ID: Final = {
    False: PreparedStatement(_MENTORING_BY_ID),
    True: PreparedStatement(_MENTORING_BY_ID_FOR_UPDATE),
}
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
_PREPARED_ACCEPTED_LIST: Final = PreparedStatement(_ACCEPTED_LIST)
_PREPARED_WITH_PEOPLE: Final = PreparedStatement(_WITH_PEOPLE[True])


class SqlMentorings:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection
        self._insert = _MENTORING_INSERT[connection.dialect.name]
        self._prepared = connection.dialect.name == "postgresql"
        self._with_people = _WITH_PEOPLE[self._prepared]

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
        params = {"id": mentoring_id}
        with translated():
            if self._prepared:
                rows = await _PREPARED_MENTORING_BY_ID[for_update].rows(self._conn, params)
                row = rows[0] if rows else None
            else:
                statement = _MENTORING_BY_ID_FOR_UPDATE if for_update else _MENTORING_BY_ID
                row = (await self._conn.execute(statement, params)).first()
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
        if self._prepared:
            with translated():
                rows = await _PREPARED_ACCEPTED_LIST.rows(self._conn, {"user_id": user_id})
            return [mentoring_from_row(row) for row in rows]
        return await self._list(_ACCEPTED_LIST, {"user_id": user_id})

    async def _list(self, statement: Select[Any], params: dict[str, Any]) -> list[Mentoring]:
        with translated():
            result = await self._conn.execute(statement, params)
            rows = result.all()
        return [mentoring_from_row(row) for row in rows]

    async def list_accepted_with_people(self, user_id: UserId) -> list[MentoringWithPeople]:
        params = {"user_id": user_id}
        with translated():
            if self._prepared:
                rows: Sequence[Sequence[Any]] = await _PREPARED_WITH_PEOPLE.rows(self._conn, params)
            else:
                rows = (await self._conn.execute(self._with_people, params)).all()
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


_CHAT_AT: Final = bindparam("c_at", type_=mentorings.c.last_message_at.type)


def _decided_on() -> list[ColumnElement[bool]]:
    """Mentoring :c_id, if it still is what the domain decided a post on: the same status and
    the same two participants (`Messages.add_counted`)."""
    return [
        mentorings.c.id == bindparam("c_id", type_=Id),
        mentorings.c.status == bindparam("c_status", type_=mentorings.c.status.type),
        mentorings.c.mentor_id == bindparam("c_mentor_id", type_=Id),
        mentorings.c.mentee_id == bindparam("c_mentee_id", type_=Id),
    ]


# A post counts itself on its mentoring relative to what is stored, so that posts to one chat
# compose, and requires only what the domain allowed it on: the status and the participants
# (SQLite; PostgreSQL stores and counts in one statement, `_counted_batch`).
_MENTORING_COUNT: Final = (
    update(mentorings)
    .where(*_decided_on())
    .values(
        message_count=mentorings.c.message_count + 1,
        # domain.chat.chat_time on the stored value, under the row lock: the chat's clock
        # never runs backwards (NULL compares as unknown, so a first message takes :c_at).
        last_message_at=case(
            (mentorings.c.last_message_at > _CHAT_AT, mentorings.c.last_message_at),
            else_=_CHAT_AT,
        ),
        version=mentorings.c.version + 1,
    )
    .returning(
        mentorings.c.id,
        mentorings.c.message_count,
        mentorings.c.version,
        mentorings.c.last_message_at,
    )
)


def _counted_batch() -> Select[Any]:
    """PostgreSQL: store posts to one chat and count them on its mentoring, in one statement,
    only if the mentoring still is the one the domain decided on.

    `locked` takes the mentoring's row lock before the insert draws the messages' ids, and the
    lock is held until commit: ids grow in commit order within a chat, so a poller's `after`
    never skips a message. Posts to one chat queue on that lock, so a post reads the mentoring
    without it and holds it only for this statement and the commit. The batch (`b_*` arrays,
    in posting order) is one post, or the posts to one chat that waited in this process while
    the previous batch was on its way (`batching.ChatBatches`). Each message is dated
    `domain.chat.chat_time` of the one before it, the first of the stored `last_message_at`;
    ids follow posting order (the insert reads the batch in that order).
    """
    locked = (
        select(
            mentorings.c.id,
            mentorings.c.message_count,
            mentorings.c.version,
            mentorings.c.last_message_at,
        )
        .where(*_decided_on())
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: the messages' FKs still share it
        .cte("locked")
    )
    batch = (
        func.unnest(
            bindparam("b_sender_ids", type_=ARRAY(BigInteger)),
            bindparam("b_bodies", type_=ARRAY(Text)),
            bindparam("b_ats", type_=ARRAY(DateTime(timezone=True))),
        )
        .table_valued("sender_id", "body", "at", with_ordinality="ord")
        .render_derived(name="batch")
    )
    dated = (
        select(
            batch.c.ord,
            locked.c.id.label("mentoring_id"),
            batch.c.sender_id,
            batch.c.body,
            # chat_time, message after message: GREATEST skips the NULL of an empty chat.
            func.greatest(
                locked.c.last_message_at, func.max(batch.c.at).over(order_by=batch.c.ord)
            ).label("created_at"),
        )
        .select_from(batch.join(locked, true()))
        .cte("dated")
    )
    size = select(func.count()).select_from(dated).scalar_subquery()
    counted = (
        update(mentorings)
        .where(mentorings.c.id == locked.c.id)
        .values(
            message_count=locked.c.message_count + size,
            version=locked.c.version + size,
            last_message_at=select(func.max(dated.c.created_at)).scalar_subquery(),
        )
        .returning(mentorings.c.id)
        .cte("counted")
    )
    posted = (
        insert(messages)
        .from_select(
            ["mentoring_id", "sender_id", "body", "created_at"],
            select(
                dated.c.mentoring_id, dated.c.sender_id, dated.c.body, dated.c.created_at
            ).order_by(dated.c.ord),
        )
        .returning(messages.c.id, messages.c.created_at)
        .cte("posted")
    )
    return (
        select(posted.c.id, posted.c.created_at, locked.c.message_count, locked.c.version)
        .select_from(posted.join(locked, true()).join(counted, true()))
        .order_by(posted.c.id)
    )


_COUNTED_BATCH: Final = PreparedStatement(_counted_batch())
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


def _page_rows(*, newer: bool) -> Select[Any]:
    """Up to :n messages of chat :m in [:low, :high], walking up (newer) or down the index."""
    return (
        select(*MESSAGE_COLUMNS)
        .where(_chat_range(messages, "low", "high"))
        .order_by(*_walk(messages, up=newer))
        .limit(bindparam("n"))
    )


def _other_side_probe(*, newer: bool) -> ColumnElement[bool]:
    """Whether any message of chat :m lies in [:other_low, :other_high] (the other side of the
    cursor), probed walking away from the cursor."""
    other = messages.alias("other")
    probe = (
        select(other.c.id)
        .where(_chat_range(other, "other_low", "other_high"))
        .order_by(*_walk(other, up=not newer))
        .limit(1)
        .scalar_subquery()
    )
    return probe.is_not(None).label("other_side")


def _page_statement(*, newer: bool, other_side: bool) -> Select[Any]:
    """A page of chat :m; with `other_side`, one more column says whether messages lie beyond
    the cursor; an outer join to a one-row anchor keeps that answer when the page is empty."""
    page = _page_rows(newer=newer)
    if not other_side:
        return page
    rows = page.subquery("page")
    anchor = select(literal_column("1").label("one")).subquery("anchor")
    return select(*rows.c, _other_side_probe(newer=newer)).select_from(
        anchor.outerjoin(rows, true())
    )


def _chat_read_statement(*, newer: bool, other_side: bool) -> Select[Any]:
    """Mentoring :m, then its page (as `_page_statement`) when :reader takes part in it.

    One statement, one round trip: the mentoring row is the anchor of an outer join to the page,
    so it comes back alone when the page is empty or not read. Whether :reader takes part is
    the domain's `Mentoring.involves`, repeated here only so as not to read a page that the use
    case will refuse to show; the contract tests check that the two agree.
    """
    rows = _page_rows(newer=newer).subquery("page")
    reader = bindparam("reader", type_=Id)
    takes_part = or_(mentorings.c.mentor_id == reader, mentorings.c.mentee_id == reader)
    columns: list[Any] = [*MENTORING_COLUMNS, *rows.c, takes_part.label("takes_part")]
    if other_side:
        columns.append(_other_side_probe(newer=newer))
    return (
        select(*columns)
        .select_from(mentorings.outerjoin(rows, takes_part))
        .where(mentorings.c.id == bindparam("m", type_=Id))
    )


_NEWEST: Final = _page_statement(newer=False, other_side=False)
_BEFORE: Final = _page_statement(newer=False, other_side=True)
_AFTER: Final = _page_statement(newer=True, other_side=True)
_READ_NEWEST: Final = _chat_read_statement(newer=False, other_side=False)
_READ_BEFORE: Final = _chat_read_statement(newer=False, other_side=True)
_READ_AFTER: Final = _chat_read_statement(newer=True, other_side=True)
_MESSAGE_WIDTH: Final = len(MESSAGE_COLUMNS)


def _page_query(request: PageRequest) -> tuple[str, dict[str, Any]]:
    """Which page statement answers `request` ("newest", "before", "after"), with its binds."""
    limit, before, after = request.limit, request.before, request.after
    params: dict[str, Any] = {"n": limit + 1}
    if after is not None:
        params.update(low=after + 1, high=_MAX_ID, other_low=1, other_high=after)
        return "after", params
    if before is not None:
        params.update(low=1, high=before - 1, other_low=before, other_high=_MAX_ID)
        return "before", params
    params.update(low=1, high=_MAX_ID)
    return "newest", params


_PAGES: Final = {"newest": _NEWEST, "before": _BEFORE, "after": _AFTER}
_READS: Final = {"newest": _READ_NEWEST, "before": _READ_BEFORE, "after": _READ_AFTER}
_PREPARED_READS: Final = {kind: PreparedStatement(statement) for kind, statement in _READS.items()}


def _assemble(found: list[Message], request: PageRequest, other_side: bool) -> MessagePage:
    """The page, its cursors, from the up to `limit + 1` messages read (any order)."""
    limit, before, after = request.limit, request.before, request.after
    found.sort(key=lambda m: m.id)
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


class SqlMessages:
    def __init__(self, connection: AsyncConnection, batches: ChatBatches | None = None) -> None:
        """`batches`: on PostgreSQL, when this connection's one write is the counted insert,
        combine it with other posts to the same chat waiting in this process."""
        self._conn = connection
        self._one_statement = connection.dialect.name == "postgresql"
        self._batches = batches

    async def add(self, new: NewMessage) -> Message:
        with translated():
            result = await self._conn.execute(_MESSAGE_INSERT, new_message_values(new))
        return message_from_new(result.scalar_one(), new)

    async def add_counted(self, new: NewMessage, mentoring: Mentoring) -> Message:
        decided_on: dict[str, Any] = {
            "c_id": mentoring.id,
            "c_status": mentoring.status.value,
            "c_mentor_id": mentoring.mentor_id,
            "c_mentee_id": mentoring.mentee_id,
        }
        if not self._one_statement:
            # SQLite has no data-modifying WITH; two statements cost it no round trip. The
            # conditional update first, so that a lost race stores nothing.
            with translated():
                counted = (
                    await self._conn.execute(
                        _MENTORING_COUNT, {**decided_on, "c_at": new.created_at}
                    )
                ).first()
            if counted is None:
                raise ConcurrentUpdate()
            _, count, version, at = counted
            message = await self.add(dataclasses.replace(new, created_at=at))
        else:
            post = Post(new.sender_id, new.text, new.created_at)

            async def send(batch: list[Post]) -> list[Stored]:
                return await self._send(batch, decided_on)

            if self._batches is None:
                (stored,) = await send([post])
            else:
                key = tuple(decided_on.values())
                stored = await self._batches.store(key, post, send)
            message_id, at, count, version = stored
            message = message_from_new(message_id, dataclasses.replace(new, created_at=at))
        mentoring.message_count, mentoring.last_message_at = count, at
        mentoring.version = version
        return message

    async def _send(self, batch: list[Post], decided_on: dict[str, Any]) -> list[Stored]:
        params = {
            **decided_on,
            "b_sender_ids": [p.sender_id for p in batch],
            "b_bodies": [p.text for p in batch],
            "b_ats": [p.at for p in batch],
        }
        with translated():
            rows = await _COUNTED_BATCH.rows(self._conn, params)
        if not rows:
            raise ConcurrentUpdate()
        # Ids were drawn in the batch's order: the i-th smallest is the i-th post's.
        return [
            (message_id, at, count + i, version + i)
            for i, (message_id, at, count, version) in enumerate(rows, start=1)
        ]

    async def get(self, message_id: MessageId) -> Message | None:
        with translated():
            result = await self._conn.execute(_MESSAGE_BY_ID, {"id": message_id})
            row = result.first()
        return None if row is None else message_from_row(row)

    async def page(self, mentoring_id: MentoringId, request: PageRequest) -> MessagePage:
        kind, params = _page_query(request)
        params["m"] = mentoring_id
        with translated():
            result = await self._conn.execute(_PAGES[kind], params)
            rows = result.all()
        other_side = False
        if kind != "newest":
            other_side = bool(rows[0][-1])
            rows = [row for row in rows if row[0] is not None]
        return _assemble([message_from_row(row) for row in rows], request, other_side)

    async def read_chat(
        self, mentoring_id: MentoringId, reader: UserId, request: PageRequest
    ) -> ChatRead | None:
        kind, params = _page_query(request)
        params["m"] = mentoring_id
        params["reader"] = reader
        with translated():
            if self._one_statement:
                rows: Sequence[Sequence[Any]] = await _PREPARED_READS[kind].rows(self._conn, params)
            else:
                rows = (await self._conn.execute(_READS[kind], params)).all()
        if not rows:
            return None
        first = rows[0]
        mentoring = mentoring_from_row(first)
        at = MENTORING_WIDTH
        if not first[at + _MESSAGE_WIDTH]:
            return ChatRead(mentoring, None)
        other_side = kind != "newest" and bool(first[-1])
        found = [message_from_row(row, at) for row in rows if row[at] is not None]
        return ChatRead(mentoring, _assemble(found, request, other_side))
