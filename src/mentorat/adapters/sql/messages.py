"""Chat messages in SQL: `application.ports.Messages` on the `messages` table.

Every chat page is a range of the `(mentoring_id, id)` index, so it costs the same at any
history size (docs/persistence.md). Posts made outside a unit of work, on PostgreSQL, have a
module of their own: `chat_posts.py`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from mentorat.adapters.sql.mapping import (
    MENTORING_COLUMNS,
    MENTORING_WIDTH,
    MESSAGE_COLUMNS,
    MESSAGE_INSERTED,
    MESSAGE_WIDTH,
    bound,
    mentoring_from_row,
    message_from_row,
    message_values,
)
from mentorat.adapters.sql.statements import Runner, Statement
from mentorat.adapters.sql.tables import Id, chat_reads, mentorings, messages
from mentorat.application.ports import ChatRead, ReadMark
from mentorat.domain.chat import ID_MAX, Message, MessagePage, NewMessage, PageRequest
from mentorat.domain.errors import ConcurrentUpdate
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import Mentoring
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class DecidedOn:
    """What a post was decided on: its mentoring, with the status and the participants the
    domain allowed the post on (`Messages.add`)."""

    mentoring_id: int
    status: str
    mentor_id: int
    mentee_id: int

    @classmethod
    def of(cls, mentoring: Mentoring) -> DecidedOn:
        return cls(mentoring.id, mentoring.status.value, mentoring.mentor_id, mentoring.mentee_id)

    @staticmethod
    def still() -> list[ColumnElement[bool]]:
        """Mentoring :c_id, if it still has status :c_status and participants :c_mentor_id
        and :c_mentee_id (the binds of `params`)."""
        return [
            mentorings.c.id == bindparam("c_id", type_=Id),
            mentorings.c.status == bindparam("c_status", type_=mentorings.c.status.type),
            mentorings.c.mentor_id == bindparam("c_mentor_id", type_=Id),
            mentorings.c.mentee_id == bindparam("c_mentee_id", type_=Id),
        ]

    def params(self) -> dict[str, Any]:
        return {
            "c_id": self.mentoring_id,
            "c_status": self.status,
            "c_mentor_id": self.mentor_id,
            "c_mentee_id": self.mentee_id,
        }


_CHAT_AT: Final = bindparam("c_at", type_=mentorings.c.last_message_at.type)
# A post counts itself on its mentoring relative to what is stored, so that posts to one chat
# compose, and requires only what the domain allowed it on. The row lock it takes orders the
# chat's ids by commit. The date is `domain.chat.chat_time` of the stored one: the chat's clock
# never runs backwards (NULL compares as unknown, so a first message takes :c_at).
_COUNT: Final = Statement(
    update(mentorings)
    .where(*DecidedOn.still())
    .values(
        message_count=mentorings.c.message_count + 1,
        last_message_at=case(
            (mentorings.c.last_message_at > _CHAT_AT, mentorings.c.last_message_at),
            else_=_CHAT_AT,
        ),
    )
    .returning(mentorings.c.last_message_at, mentorings.c.message_count)
)
_INSERT: Final = Statement(
    insert(messages).values(bound(messages, MESSAGE_INSERTED)).returning(messages.c.id)
)
_BY_ID: Final = Statement(
    select(*MESSAGE_COLUMNS).where(messages.c.id == bindparam("id", type_=Id))
)


def _mark_read_statement(dialect: Any) -> Any:
    """Mark chat :m read by :u up to its last message at or before :n, unless :u had read
    further (RETURNING a row only when the mark moved). The count of messages up to the mark
    is the chat's count less those after it: a read up to the end counts nothing."""
    chat = bindparam("m", type_=Id)
    marker = (
        select(func.coalesce(func.max(messages.c.id), 0))
        .where(messages.c.mentoring_id == chat, messages.c.id <= bindparam("n", type_=Id))
        .scalar_subquery()
    )
    after = (
        select(func.count())
        .select_from(messages)
        .where(messages.c.mentoring_id == chat, messages.c.id > marker)
        .scalar_subquery()
    )
    marked = select(
        mentorings.c.id,
        bindparam("u", type_=Id),
        marker,
        mentorings.c.message_count - after,
    ).where(mentorings.c.id == chat)
    insert = dialect.insert(chat_reads).from_select(
        ["mentoring_id", "user_id", "message_id", "read_count"], marked
    )
    return insert.on_conflict_do_update(
        index_elements=[chat_reads.c.mentoring_id, chat_reads.c.user_id],
        set_={"message_id": insert.excluded.message_id, "read_count": insert.excluded.read_count},
        where=insert.excluded.message_id > chat_reads.c.message_id,
    ).returning(chat_reads.c.message_id)


def _read_by_sender_statement(dialect: Any) -> Any:
    """The sender of message :message_id of chat :m has read it up to it: :count messages."""
    insert = dialect.insert(chat_reads).values(
        mentoring_id=bindparam("m", type_=Id),
        user_id=bindparam("u", type_=Id),
        message_id=bindparam("message_id", type_=Id),
        read_count=bindparam("count", type_=chat_reads.c.read_count.type),
    )
    return insert.on_conflict_do_update(
        index_elements=[chat_reads.c.mentoring_id, chat_reads.c.user_id],
        set_={"message_id": insert.excluded.message_id, "read_count": insert.excluded.read_count},
        where=insert.excluded.message_id > chat_reads.c.message_id,
    )


_READ_BY_SENDER: Final = Statement(
    _read_by_sender_statement(postgresql), sqlite=_read_by_sender_statement(sqlite)
)
_MARK_READ: Final = Statement(_mark_read_statement(postgresql), sqlite=_mark_read_statement(sqlite))
_READ_MARK: Final = Statement(
    select(chat_reads.c.message_id, mentorings.c.message_count - chat_reads.c.read_count)
    .select_from(chat_reads.join(mentorings, mentorings.c.id == chat_reads.c.mentoring_id))
    .where(
        chat_reads.c.mentoring_id == bindparam("m", type_=Id),
        chat_reads.c.user_id == bindparam("u", type_=Id),
    )
)


def _chat_range(table: Any, low: str, high: str) -> ColumnElement[bool]:
    """Messages of chat :m with :low <= id <= :high, as a range of the (mentoring_id, id) index.

    Written as row-value bounds rather than `mentoring_id = :m AND id < :x`: with the equality
    PostgreSQL may walk the primary key backwards and filter by chat, which it misjudges for a
    chat holding a large share of all messages. Row-value bounds with an ORDER BY on both
    columns leave the composite index as the only ordered path.

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


def _page_statement(*, newer: bool, other_side: bool) -> Statement:
    """A page of chat :m; with `other_side`, one more column says whether messages lie beyond
    the cursor; an outer join to a one-row anchor keeps that answer when the page is empty."""
    page = _page_rows(newer=newer)
    if not other_side:
        return Statement(page)
    rows = page.subquery("page")
    anchor = select(literal_column("1").label("one")).subquery("anchor")
    return Statement(
        select(*rows.c, _other_side_probe(newer=newer)).select_from(anchor.outerjoin(rows, true()))
    )


def _chat_read_statement(*, newer: bool, other_side: bool) -> Statement:
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
    return Statement(
        select(*columns)
        .select_from(mentorings.outerjoin(rows, takes_part))
        .where(mentorings.c.id == bindparam("m", type_=Id))
    )


@dataclass(frozen=True, slots=True)
class _PageKind:
    """The statements that read one kind of page: alone, or with its mentoring. Pages beside a
    cursor also say whether messages lie on the cursor's other side."""

    page: Statement
    chat: Statement
    beside_cursor: bool

    @classmethod
    def of(cls, *, newer: bool, beside_cursor: bool) -> _PageKind:
        return cls(
            _page_statement(newer=newer, other_side=beside_cursor),
            _chat_read_statement(newer=newer, other_side=beside_cursor),
            beside_cursor,
        )


_NEWEST: Final = _PageKind.of(newer=False, beside_cursor=False)
_BEFORE: Final = _PageKind.of(newer=False, beside_cursor=True)
_AFTER: Final = _PageKind.of(newer=True, beside_cursor=True)


def _page_query(
    mentoring_id: MentoringId, request: PageRequest
) -> tuple[_PageKind, dict[str, Any]]:
    """Which kind of page answers `request`, with the statements' binds."""
    limit, before, after = request.limit, request.before, request.after
    params: dict[str, Any] = {"m": mentoring_id, "n": limit + 1}
    if after is not None:
        params.update(low=after + 1, high=ID_MAX, other_low=1, other_high=after)
        return _AFTER, params
    if before is not None:
        params.update(low=1, high=before - 1, other_low=before, other_high=ID_MAX)
        return _BEFORE, params
    params.update(low=1, high=ID_MAX)
    return _NEWEST, params


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
    __slots__ = ("_run",)

    def __init__(self, run: Runner) -> None:
        self._run = run

    async def add(self, new: NewMessage, decided_on: Mentoring) -> Message:
        # The count first, so that a lost race stores nothing.
        counted = await self._run.first(
            _COUNT, {**DecidedOn.of(decided_on).params(), "c_at": new.created_at}
        )
        if counted is None:
            raise ConcurrentUpdate()
        dated = dataclasses.replace(new, created_at=counted[0])
        row = await self._run.first(_INSERT, message_values(dated))
        assert row is not None  # INSERT ... RETURNING
        # Its sender has read the chat up to it (the chat's lock orders the counts).
        read = {
            "m": new.mentoring_id,
            "u": new.sender_id,
            "message_id": row[0],
            "count": counted[1],
        }
        await self._run.execute(_READ_BY_SENDER, read)
        return Message(
            MessageId(row[0]), dated.mentoring_id, dated.sender_id, dated.text, dated.created_at
        )

    async def get(self, message_id: MessageId) -> Message | None:
        row = await self._run.first(_BY_ID, {"id": message_id})
        return None if row is None else message_from_row(row)

    async def mark_read(
        self, mentoring_id: MentoringId, reader: UserId, up_to: MessageId
    ) -> ReadMark:
        params = {"m": mentoring_id, "u": reader, "n": up_to}
        moved = await self._run.first(_MARK_READ, params) is not None
        row = await self._run.first(_READ_MARK, params)
        if row is None:  # no such mentoring
            return ReadMark(MessageId(0), 0)
        return ReadMark(MessageId(row[0]), int(row[1]), moved=moved)

    async def page(self, mentoring_id: MentoringId, request: PageRequest) -> MessagePage:
        kind, params = _page_query(mentoring_id, request)
        rows = await self._run.rows(kind.page, params)
        other_side = False
        if kind.beside_cursor:
            other_side = bool(rows[0][-1])
            rows = [row for row in rows if row[0] is not None]
        return _assemble([message_from_row(row) for row in rows], request, other_side)

    async def read_chat(
        self, mentoring_id: MentoringId, reader: UserId, request: PageRequest
    ) -> ChatRead | None:
        kind, params = _page_query(mentoring_id, request)
        params["reader"] = reader
        rows = await self._run.rows(kind.chat, params)
        if not rows:
            return None
        first = rows[0]
        mentoring = mentoring_from_row(first)
        at = MENTORING_WIDTH
        if not first[at + MESSAGE_WIDTH]:
            return ChatRead(mentoring, None)
        other_side = kind.beside_cursor and bool(first[-1])
        found = [message_from_row(row, at) for row in rows if row[at] is not None]
        return ChatRead(mentoring, _assemble(found, request, other_side))
