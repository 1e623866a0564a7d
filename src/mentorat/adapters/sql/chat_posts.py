"""Chat posts on PostgreSQL: `application.ports.ChatPosts` in one statement each, batched per
chat, committed as they run.

A post is one statement on an autocommit connection (`_STORE`): it locks the chat's mentoring,
checks that the mentoring still is what the post was decided on, stores the message, counts
it, records its event in the outbox (`outbox.py`) and moves its sender's read mark to it, and
commits, holding the lock for that statement only. Posts to one chat waiting
in this process go together (`batching.py`). The mentoring a post is decided on comes from
the last post this process made in that chat when there is one (`_recent`), so a busy chat's
posts do not read it again: safe however old, because it only ever says yes (a refusal is
decided again on a fresh read) and the statement checks every yes (a post decided on a
mentoring that moved meanwhile stores nothing and is decided again on a fresh read).
docs/adr/003-chat-posts.md tells why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Select,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from mentorat.adapters.sql import outbox
from mentorat.adapters.sql.batching import ChatBatches, Post, Stored
from mentorat.adapters.sql.database import Database
from mentorat.adapters.sql.mapping import mentoring_from_row
from mentorat.adapters.sql.mentorings import BY_ID
from mentorat.adapters.sql.messages import DecidedOn
from mentorat.adapters.sql.statements import Runner, Statement
from mentorat.adapters.sql.tables import chat_reads, mentorings, messages, outbox_events
from mentorat.application.lru import Lru
from mentorat.application.outbox_events import MESSAGE_POSTED
from mentorat.domain.chat import Message, NewMessage
from mentorat.domain.errors import ConcurrentUpdate, MentoratError, MentoringNotFound
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import Mentoring

# A post whose mentoring moved between its decision and its write decides again; a second
# move within one post is all but impossible (statuses only move forward).
ATTEMPTS: Final = 3
RECENT_CHATS: Final = 1024


def _store_statement() -> Select[Any]:
    """Store a batch of posts to chat :c_id and count them, if the mentoring still is what
    they were decided on (`DecidedOn`), in one statement.

    `locked` takes the mentoring's row lock before the insert draws the messages' ids, and the
    lock is held until the statement commits: ids grow in commit order within a chat, so a
    poller's `after` never skips a message. The batch (`b_*` arrays, in posting order) is
    dated message after message by `domain.chat.chat_time`, the first on the stored
    `last_message_at`; ids follow posting order (the insert reads the batch in that order).
    """
    locked = (
        select(
            mentorings.c.id,
            mentorings.c.message_count,
            mentorings.c.last_message_at,
            mentorings.c.mentor_id,
            mentorings.c.mentee_id,
        )
        .where(*DecidedOn.still())
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
    counted = (
        update(mentorings)
        .where(mentorings.c.id == locked.c.id)
        .values(
            message_count=locked.c.message_count
            + select(func.count()).select_from(dated).scalar_subquery(),
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
        .returning(
            messages.c.id,
            messages.c.mentoring_id,
            messages.c.sender_id,
            messages.c.body,
            messages.c.created_at,
        )
        .cte("posted")
    )
    # Each message's event, in the outbox, in the same statement (and so the same commit).
    recorded = (
        insert(outbox_events)
        .from_select(
            outbox.INSERTED,
            select(
                literal(MESSAGE_POSTED),
                posted.c.mentoring_id,
                locked.c.mentor_id,
                locked.c.mentee_id,
                posted.c.created_at,
                _message_payload(posted),
            )
            .select_from(posted.join(locked, true()))
            .order_by(posted.c.id),
        )
        .cte("recorded")
    )
    # Each sender has read the chat up to their last message of the batch: the messages up
    # to it are the chat's count before the batch plus its place in the batch.
    numbered = select(
        posted.c.mentoring_id,
        posted.c.sender_id,
        posted.c.id,
        func.row_number().over(order_by=posted.c.id).label("place"),
    ).subquery("numbered")
    read_up_to = (
        select(
            numbered.c.mentoring_id,
            numbered.c.sender_id,
            func.max(numbered.c.id),
            locked.c.message_count + func.max(numbered.c.place),
        )
        .select_from(numbered.join(locked, true()))
        .group_by(numbered.c.mentoring_id, numbered.c.sender_id, locked.c.message_count)
    )
    read = pg_insert(chat_reads).from_select(
        ["mentoring_id", "user_id", "message_id", "read_count"], read_up_to
    )
    reads = read.on_conflict_do_update(
        index_elements=[chat_reads.c.mentoring_id, chat_reads.c.user_id],
        set_={"message_id": read.excluded.message_id, "read_count": read.excluded.read_count},
        where=read.excluded.message_id > chat_reads.c.message_id,
    ).cte("reads")
    return (
        select(posted.c.id, posted.c.created_at)
        .add_cte(recorded, reads)
        .select_from(posted.join(counted, true()))
        .order_by(posted.c.id)
    )


def _message_payload(posted: Any) -> ColumnElement[str]:
    """The event's payload, `application.outbox_events.of_message` written in SQL: the
    message as the chat's GET returns it (`tests/contract` compares the two)."""
    created_at = func.to_char(
        func.timezone("UTC", posted.c.created_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
    )
    message = func.json_build_object(
        "id",
        posted.c.id,
        "sender_id",
        cast(posted.c.sender_id, Text),
        "message",
        posted.c.body,
        "created_at",
        created_at,
    )
    return cast(
        func.json_build_object("mentoring_id", posted.c.mentoring_id, "message", message), Text
    )


_STORE: Final = Statement(_store_statement())


class PostgresChatPosts:
    """Implements `application.ports.ChatPosts` on PostgreSQL (see the module's docstring)."""

    __slots__ = ("_batches", "_database", "_on_events", "_recent")

    def __init__(
        self,
        database: Database,
        *,
        recent_chats: int = RECENT_CHATS,
        on_events: Callable[[], None] | None = None,
    ) -> None:
        """`on_events`: called after each batch is stored (see `SqlUnitOfWork`)."""
        self._database = database
        self._on_events = on_events
        self._batches: ChatBatches[DecidedOn] = ChatBatches(self._send)
        # Open mentorings this process posted in lately, least recently used first out.
        self._recent: Lru[MentoringId, Mentoring] = Lru(recent_chats)

    async def post(
        self, mentoring_id: MentoringId, compose: Callable[[Mentoring], NewMessage]
    ) -> Message:
        # One connection for the whole post: its checkout bounds how long the post may take.
        async with self._database.autocommit() as run:
            attempt = 1
            while True:
                mentoring, new = await self._decide(run, mentoring_id, compose)
                try:
                    message_id, at = await self._batches.store(
                        DecidedOn.of(mentoring), Post(new.sender_id, new.text, new.created_at, run)
                    )
                except ConcurrentUpdate:
                    # The mentoring moved since the decision: decide again on a fresh read.
                    self._recent.pop(mentoring_id)
                    if attempt == ATTEMPTS:
                        raise
                    attempt += 1
                    continue
                if mentoring.status.is_open:
                    self._recent.put(mentoring_id, mentoring)
                return Message(MessageId(message_id), mentoring_id, new.sender_id, new.text, at)

    async def _decide(
        self, run: Runner, mentoring_id: MentoringId, compose: Callable[[Mentoring], NewMessage]
    ) -> tuple[Mentoring, NewMessage]:
        """The mentoring to decide on and what `compose` makes of it. A remembered mentoring
        only ever says yes: a refusal it leads to is decided again on a fresh read."""
        remembered = self._recent.get(mentoring_id)
        if remembered is not None:
            try:
                return remembered, compose(remembered)
            except MentoratError:
                self._recent.pop(mentoring_id)
        mentoring = await self._read(run, mentoring_id)
        return mentoring, compose(mentoring)

    async def _read(self, run: Runner, mentoring_id: MentoringId) -> Mentoring:
        row = await run.first(BY_ID, {"id": mentoring_id})
        if row is None:
            raise MentoringNotFound()
        return mentoring_from_row(row)

    async def _send(self, decided: DecidedOn, batch: list[Post]) -> list[Stored]:
        params = {
            **decided.params(),
            "b_sender_ids": [p.sender_id for p in batch],
            "b_bodies": [p.text for p in batch],
            "b_ats": [p.at for p in batch],
        }
        rows = await batch[0].run.rows(_STORE, params)
        if not rows:
            raise ConcurrentUpdate()
        if self._on_events is not None:
            self._on_events()
        return [(message_id, at) for message_id, at in rows]
