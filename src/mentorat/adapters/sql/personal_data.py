"""A person's data beyond their user row in SQL: `application.ports.PersonalData`.

Erasure overwrites in place: PostgreSQL's old row versions are unreachable once the
transaction commits and are reclaimed by VACUUM; SQLite's full-text index (profiles_search)
is merged afterwards (`optimize`), so no segment keeps the words of an erased profile.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, column, delete, insert, literal, or_, select, table, update

from mentorat.adapters.sql.audit import SqlAuditTrail
from mentorat.adapters.sql.mapping import (
    GOAL_COLUMNS,
    MESSAGE_COLUMNS,
    goal_from_row,
    message_from_row,
)
from mentorat.adapters.sql.statements import Runner, Statement
from mentorat.adapters.sql.tables import (
    Id,
    goals,
    login_failures,
    mentorings,
    messages,
    outbox_events,
    webhook_dead_letters,
)
from mentorat.adapters.sql.throttle import throttle_key
from mentorat.application.outbox_events import MESSAGE_POSTED
from mentorat.domain.chat import Message
from mentorat.domain.goals import Goal
from mentorat.domain.users import UserId

_WHO: Final = bindparam("who", type_=Id)
_SENT: Final = Statement(
    select(*MESSAGE_COLUMNS).where(messages.c.sender_id == _WHO).order_by(messages.c.id)
)
_GOALS: Final = Statement(
    select(*GOAL_COLUMNS)
    .join(mentorings, mentorings.c.id == goals.c.mentoring_id)
    .where(or_(mentorings.c.mentor_id == _WHO, mentorings.c.mentee_id == _WHO))
    .order_by(goals.c.mentoring_id, goals.c.position)
)
_REDACT: Final = Statement(
    update(messages).where(messages.c.sender_id == _WHO).values(body=bindparam("marker"))
)
# A message event carries the message's text: those addressed to the person go, from the
# outbox and from the webhooks' dead letters (their own messages and the replies they received;
# the chats keep every message, erased or not).
_FORGET_MESSAGE_EVENTS: Final = tuple(
    Statement(
        delete(kept).where(
            kept.c.name == MESSAGE_POSTED,
            or_(kept.c.recipient_id == _WHO, kept.c.other_recipient_id == _WHO),
        )
    )
    for kept in (outbox_events, webhook_dead_letters)
)
_FORGET_FAILURES: Final = Statement(
    delete(login_failures).where(
        login_failures.c.scope == "u", login_failures.c.key == bindparam("key")
    )
)
# SQLite only: merge the full-text index so deleted entries leave its segments.
_FTS: Final = table("profiles_search", column("profiles_search"))
_OPTIMIZE_SEARCH: Final = Statement(
    select(literal(1)), sqlite=insert(_FTS).values(profiles_search=literal("optimize"))
)


class SqlPersonalData:
    __slots__ = ("_run",)

    def __init__(self, run: Runner) -> None:
        self._run = run

    async def messages_sent_by(self, user_id: UserId) -> list[Message]:
        return [message_from_row(row) for row in await self._run.rows(_SENT, {"who": user_id})]

    async def goals_of(self, user_id: UserId) -> list[Goal]:
        return [goal_from_row(row) for row in await self._run.rows(_GOALS, {"who": user_id})]

    async def erase_traces(self, user_id: UserId, username: str, marker: str) -> None:
        await self._run.execute(_REDACT, {"who": user_id, "marker": marker})
        for forget in _FORGET_MESSAGE_EVENTS:
            await self._run.execute(forget, {"who": user_id})
        await self._run.execute(_FORGET_FAILURES, {"key": throttle_key(username)})
        await SqlAuditTrail(self._run).forget_addresses(user_id)
        await self._run.execute(_OPTIMIZE_SEARCH, {})
