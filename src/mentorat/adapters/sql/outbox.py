"""The outbox in SQL: `application.ports.Outbox` on the `outbox_events` table.

Once a transaction that recorded events commits, `listener.py` wakes the outbox readers of
this process and, with a `NOTIFY` on `CHANNEL`, of every other process (PostgreSQL); the table
stays the source of truth, so a lost notification costs latency, never an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
)

from mentorat.adapters.sql.mapping import bound
from mentorat.adapters.sql.statements import Row, Runner, Statement
from mentorat.adapters.sql.tables import Id, outbox_events
from mentorat.application.ports import NewEvent, OutboxPage, StoredEvent
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId

CHANNEL: Final = "mentorat_events"
ID_MAX: Final = 2**63 - 1

_T = outbox_events
COLUMNS: Final = (
    _T.c.id,
    _T.c.name,
    _T.c.mentoring_id,
    _T.c.recipient_id,
    _T.c.other_recipient_id,
    _T.c.occurred_at,
    _T.c.payload,
)
INSERTED: Final = [c.name for c in COLUMNS[1:]]


_ADD: Final = Statement(insert(_T).values(bound(_T, INSERTED)).returning(_T.c.id))
_CURSOR = bindparam("cursor", type_=Id)
_LIMIT: Final = bindparam("n", type_=Integer)
_AFTER: Final = Statement(select(*COLUMNS).where(_T.c.id > _CURSOR).order_by(_T.c.id).limit(_LIMIT))
# PostgreSQL draws ids as writers insert and commits them in any order: the read says which
# transactions were running as of its own snapshot (`OutboxPage`). SQLite has one writer at
# a time, which commits its ids in order (and takes them back when it rolls back).
_SNAPSHOT = "pg_snapshot_{}(pg_current_snapshot())::text::bigint"
_READ: Final = Statement(
    select(
        *COLUMNS,
        literal_column(_SNAPSHOT.format("xmin")),
        literal_column(_SNAPSHOT.format("xmax")),
    )
    .where(_T.c.id > _CURSOR)
    .order_by(_T.c.id)
    .limit(_LIMIT),
    sqlite=select(*COLUMNS, literal(0), literal(0))
    .where(_T.c.id > _CURSOR)
    .order_by(_T.c.id)
    .limit(_LIMIT),
)


def _addressed_to(column: Any) -> Select[Any]:
    return (
        select(*COLUMNS)
        .where(column == bindparam("recipient", type_=Id), _T.c.id > _CURSOR)
        .order_by(_T.c.id)
        .limit(_LIMIT)
    )


def _after_for_statement() -> Select[Any]:
    """A recipient's events after the cursor: the two index ranges of `(recipient, id)`,
    each walked from the cursor up, merged."""
    first = _addressed_to(_T.c.recipient_id).subquery("first")
    other = _addressed_to(_T.c.other_recipient_id).subquery("other")
    both = union_all(select(first), select(other)).subquery("both")
    return select(both).order_by(both.c.id).limit(_LIMIT)


_AFTER_FOR: Final = Statement(_after_for_statement())
_BOUNDS: Final = Statement(select(func.min(_T.c.id), func.max(_T.c.id)))
_MARKS: Final = Statement(
    select(literal_column(_SNAPSHOT.format("xmin")), literal_column(_SNAPSHOT.format("xmax"))),
    sqlite=select(literal(0), literal(0)),
)
# Every event before the first one that occurred at or after :before, walking the ids up:
# an event is forgotten only once those before it are.
_FIRST_KEPT = (
    select(_T.c.id)
    .where(_T.c.occurred_at >= bindparam("before", type_=_T.c.occurred_at.type))
    .order_by(_T.c.id)
    .limit(1)
    .scalar_subquery()
)
_PRUNE: Final = Statement(
    delete(_T).where(_T.c.id < func.coalesce(_FIRST_KEPT, literal(ID_MAX, type_=Id)))
)


def values_of(event: NewEvent) -> dict[str, Any]:
    """The columns of `event`'s row but its id."""
    others = event.recipients[1:]
    return {
        "name": event.name,
        "mentoring_id": event.mentoring_id,
        "recipient_id": event.recipients[0],
        "other_recipient_id": others[0] if others else None,
        "occurred_at": event.occurred_at,
        "payload": event.payload,
    }


def event_from_row(row: Row) -> StoredEvent:
    event_id, name, mentoring_id, recipient, other, at, payload = row[:7]
    recipients = (UserId(recipient),) if other is None else (UserId(recipient), UserId(other))
    mentoring = None if mentoring_id is None else MentoringId(mentoring_id)
    return StoredEvent(event_id, name, mentoring, recipients, at, payload)


class SqlOutbox:
    """Implements `application.ports.Outbox`; `added` says whether this transaction recorded
    events (its commit then wakes this process's readers at once)."""

    __slots__ = ("_run", "added")

    def __init__(self, run: Runner) -> None:
        self._run = run
        self.added = False

    async def add(self, events: Sequence[NewEvent]) -> None:
        for event in events:
            await self._run.first(_ADD, values_of(event))
            self.added = True

    async def after(
        self, cursor: int, *, limit: int, recipient: UserId | None = None
    ) -> list[StoredEvent]:
        if recipient is None:
            rows = await self._run.rows(_AFTER, {"cursor": cursor, "n": limit})
        else:
            params = {"cursor": cursor, "n": limit, "recipient": recipient}
            rows = await self._run.rows(_AFTER_FOR, params)
        return [event_from_row(row) for row in rows]

    async def read(self, cursor: int, *, limit: int) -> OutboxPage:
        rows = await self._run.rows(_READ, {"cursor": cursor, "n": limit})
        if not rows:
            return OutboxPage([])
        return OutboxPage([event_from_row(row) for row in rows], rows[0][7], rows[0][8])

    async def bounds(self) -> tuple[int, int] | None:
        row = await self._run.first(_BOUNDS, {})
        if row is None or row[0] is None:
            return None
        return int(row[0]), int(row[1])

    async def marks(self) -> tuple[int, int]:
        row = await self._run.first(_MARKS, {})
        assert row is not None  # a SELECT without FROM
        return int(row[0]), int(row[1])

    async def prune(self, before: datetime) -> int:
        return await self._run.execute(_PRUNE, {"before": before})
