"""The mailer's place in the outbox and its digests in SQL: `application.ports.MailQueue` on
`mail_progress` (one row) and `mail_digests`, with the lease of `leases.py`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import bindparam, delete, func, literal, select, true
from sqlalchemy.dialects import postgresql, sqlite

from mentorat.adapters.sql.database import Database
from mentorat.adapters.sql.leases import Leases, held, progress_from_row, progress_values
from mentorat.adapters.sql.mapping import bound
from mentorat.adapters.sql.statements import Statement
from mentorat.adapters.sql.tables import Id, UtcDateTime, mail_digests, mail_progress, outbox_events
from mentorat.application.ports import Digest, Progress, UnreadMessage
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId

ROW_ID: Final = 1
_P = mail_progress
_D = mail_digests
_LEASES: Final = Leases(_P, ())


def _start_forms() -> tuple[Any, Any]:
    """The mailer's row, made once: it starts after the newest event (none of the past is
    mailed). `WHERE true`: SQLite reads ON CONFLICT after INSERT ... SELECT only so."""
    newest = select(literal(ROW_ID), func.coalesce(func.max(outbox_events.c.id), 0), literal(0))
    return tuple(
        dialect.insert(_P)
        .from_select(["id", "cursor", "attempts"], newest.where(true()))
        .on_conflict_do_nothing(index_elements=[_P.c.id])
        for dialect in (postgresql, sqlite)
    )


_PG_START, _SQLITE_START = _start_forms()
_START: Final = Statement(_PG_START, sqlite=_SQLITE_START)


def _count_forms() -> tuple[Any, Any]:
    """One more unread message in a digest (a new digest, due a window after it)."""
    forms = []
    for dialect in (postgresql, sqlite):
        statement = dialect.insert(_D).values(
            {
                **bound(_D, ["user_id", "mentoring_id", "sender_id", "first_at", "due_at"]),
                "count": literal(1),
            }
        )
        forms.append(
            statement.on_conflict_do_update(
                index_elements=[_D.c.user_id, _D.c.mentoring_id],
                set_={"count": _D.c.count + 1, "sender_id": statement.excluded.sender_id},
            )
        )
    return forms[0], forms[1]


_PG_COUNT, _SQLITE_COUNT = _count_forms()
_COUNT: Final = Statement(_PG_COUNT, sqlite=_SQLITE_COUNT)
_DIGEST: Final = (
    _D.c.user_id,
    _D.c.mentoring_id,
    _D.c.count,
    _D.c.sender_id,
    _D.c.first_at,
    _D.c.due_at,
)
_DUE: Final = Statement(
    select(*_DIGEST)
    .where(_D.c.due_at <= bindparam("now", type_=UtcDateTime()))
    .order_by(_D.c.due_at)
    .limit(bindparam("n"))
)
_SENT: Final = Statement(
    delete(_D).where(
        _D.c.user_id == bindparam("user_id", type_=Id),
        _D.c.mentoring_id == bindparam("mentoring_id", type_=Id),
    )
)


class SqlMailQueue:
    """Implements `application.ports.MailQueue`; each call is one short transaction."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._started = False

    async def take(self, holder: str, now: datetime, until: datetime) -> Progress | None:
        params = {"holder": holder, "now": now, "until": until}
        if self._started:
            async with self._database.connect(write=False) as run:
                if await run.first(_LEASES.any, params) is None:
                    return None  # another mailer holds it: no write
        async with self._database.connect() as run:
            if not self._started:
                await run.execute(_START, {})
            row = await run.first(_LEASES.take, params)
            await run.commit()
        self._started = True
        return None if row is None else progress_from_row(row)

    async def advance(
        self,
        holder: str,
        cursor: int,
        until: datetime,
        unread: Sequence[UnreadMessage] = (),
        window: timedelta = timedelta(0),
    ) -> bool:
        params = {**held(ROW_ID, holder, until), "b_cursor": cursor}
        async with self._database.connect() as run:
            if await run.execute(_LEASES.advance, params) != 1:
                return False
            for message in unread:
                await run.execute(
                    _COUNT,
                    {
                        "user_id": message.user_id,
                        "mentoring_id": message.mentoring_id,
                        "sender_id": message.sender_id,
                        "first_at": message.at,
                        "due_at": message.at + window,
                    },
                )
            await run.commit()
        return True

    async def record(self, holder: str, progress: Progress, until: datetime) -> bool:
        params = {**held(ROW_ID, holder, until), **progress_values(progress)}
        async with self._database.connect() as run:
            changed = await run.execute(_LEASES.record, params)
            await run.commit()
        return changed == 1

    async def due(self, now: datetime, limit: int) -> list[Digest]:
        async with self._database.connect(write=False) as run:
            rows = await run.rows(_DUE, {"now": now, "n": limit})
        return [
            Digest(UserId(user), MentoringId(mentoring), count, UserId(sender), first, due)
            for user, mentoring, count, sender, first, due in rows
        ]

    async def sent(self, holder: str, digest: Digest, until: datetime) -> bool:
        async with self._database.connect() as run:
            renewed = await run.execute(_LEASES.renew, held(ROW_ID, holder, until))
            if renewed != 1:
                return False
            await run.execute(
                _SENT, {"user_id": digest.user_id, "mentoring_id": digest.mentoring_id}
            )
            await run.commit()
        return True

    async def release(self, holder: str) -> None:
        async with self._database.connect() as run:
            await run.execute(_LEASES.release, {"holder": holder})
            await run.commit()
