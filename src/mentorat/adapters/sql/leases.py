"""The progress of a reader of the outbox that pushes events out (a webhook endpoint, the
mailer), and the lease that lets one dispatcher at a time move it: the statements on the
columns `tables._progress_columns` gives each such table.

A dispatcher takes a row when nobody holds it or the lease ran out, and every later write
of its own is conditional on still holding it (`leased_by`), so a dispatcher that lost the
row changes nothing. On PostgreSQL the rows are taken with `FOR UPDATE SKIP LOCKED`: of two
dispatchers taking at once, each skips what the other is taking instead of waiting for it;
SQLite has one writer at a time.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import String, Table, bindparam, null, or_, select, update

from mentorat.adapters.sql.statements import Row, Statement
from mentorat.adapters.sql.tables import Id, UtcDateTime
from mentorat.application.ports import Progress

PROGRESS: Final = ("cursor", "attempts", "failing_since", "next_attempt_at", "last_error")
WIDTH: Final = len(PROGRESS)

_ID = bindparam("row_id", type_=Id)
_HOLDER = bindparam("holder", type_=String())
_NOW = bindparam("now", type_=UtcDateTime())
_UNTIL = bindparam("until", type_=UtcDateTime())


def progress_from_row(row: Row, at: int = 0) -> Progress:
    return Progress(*row[at : at + WIDTH])


def progress_values(progress: Progress) -> dict[str, Any]:
    return {
        "b_cursor": progress.cursor,
        "b_attempts": progress.attempts,
        "b_failing_since": progress.failing_since,
        "b_next_attempt_at": progress.next_attempt_at,
        "b_last_error": progress.last_error,
    }


class Leases:
    """The statements on one table of readers; `returning`: the columns a take returns
    before the progress."""

    def __init__(self, table: Table, returning: tuple[Any, ...]) -> None:
        c = table.c
        free = or_(c.leased_until.is_(None), c.leased_until <= _NOW, c.leased_by == _HOLDER)
        due = or_(c.next_attempt_at.is_(None), c.next_attempt_at <= _NOW)
        # Whether a take would take anything: a read, which an idle dispatcher makes instead
        # of a write (on SQLite, a write takes the database's one write lock).
        self.any: Final = Statement(select(c.id).where(free, due).limit(1))
        takeable = (
            select(c.id).where(free, due).order_by(c.id).with_for_update(skip_locked=True)
        ).scalar_subquery()
        self.take: Final = Statement(
            update(table)
            .where(c.id.in_(takeable))
            .values(leased_by=_HOLDER, leased_until=_UNTIL)
            .returning(*returning, *(c[name] for name in PROGRESS)),
            sqlite=update(table)
            .where(free, due)
            .values(leased_by=_HOLDER, leased_until=_UNTIL)
            .returning(*returning, *(c[name] for name in PROGRESS)),
        )
        held = (c.id == _ID, c.leased_by == _HOLDER)
        self.advance: Final = Statement(
            update(table)
            .where(*held)
            .values(
                cursor=bindparam("b_cursor", type_=Id),
                attempts=0,
                failing_since=null(),
                next_attempt_at=null(),
                last_error=null(),
                leased_until=_UNTIL,
            )
        )
        self.record: Final = Statement(
            update(table)
            .where(*held)
            .values(
                cursor=bindparam("b_cursor", type_=Id),
                attempts=bindparam("b_attempts"),
                failing_since=bindparam("b_failing_since", type_=UtcDateTime()),
                next_attempt_at=bindparam("b_next_attempt_at", type_=UtcDateTime()),
                last_error=bindparam("b_last_error"),
                leased_until=_UNTIL,
            )
        )
        self.renew: Final = Statement(update(table).where(*held).values(leased_until=_UNTIL))
        self.release: Final = Statement(
            update(table)
            .where(c.leased_by == _HOLDER)
            .values(leased_by=null(), leased_until=null())
        )


def held(row_id: int, holder: str, until: Any) -> dict[str, Any]:
    """The parameters that name a row, its holder and the new end of its lease."""
    return {"row_id": row_id, "holder": holder, "until": until}
