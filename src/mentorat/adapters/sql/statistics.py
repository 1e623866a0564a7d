"""The programme's figures in SQL: `application.ports.ProgrammeFigures`, a few aggregate reads.

Each figure is one statement over its table; the read runs in one transaction, so the figures
agree with each other. The median of answer times is the application's to compute: the
answer times are read (one row per answered request).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Date, and_, bindparam, case, cast, func, not_, or_, select

from mentorat.adapters.sql.statements import Runner, Statement
from mentorat.adapters.sql.tables import UtcDateTime, mentorings, messages, profiles, users
from mentorat.application.ports import ProgrammeCounts
from mentorat.domain.mentoring import Status

_PENDING: Final = mentorings.c.status == Status.PENDING.value
_EXPIRED_BEFORE: Final = bindparam("expired_before", type_=UtcDateTime)

_USERS: Final = Statement(
    select(
        func.count(),
        func.count().filter(users.c.is_mentor),
        func.count().filter(not_(users.c.is_mentor)),
        func.count().filter(users.c.is_staff),
        func.count().filter(users.c.is_active),
        func.count().filter(not_(users.c.is_active)),
        func.count().filter(and_(users.c.is_mentor, users.c.is_verified)),
    ).select_from(users)
)
_USER_KEYS: Final = (
    "total",
    "mentors",
    "mentees",
    "staff",
    "active",
    "inactive",
    "verified_mentors",
)
# A pending request past its time is expired, whether or not the sweep recorded it.
_STATUS: Final = case(
    (and_(_PENDING, mentorings.c.created_at <= _EXPIRED_BEFORE), Status.EXPIRED.value),
    else_=mentorings.c.status,
)
_BY_STATUS: Final = Statement(select(_STATUS, func.count()).group_by(_STATUS))
_ANSWERS: Final = Statement(
    select(
        mentorings.c.created_at,
        func.coalesce(mentorings.c.accepted_at, mentorings.c.updated_at),
        mentorings.c.accepted_at.is_not(None),
    ).where(
        or_(mentorings.c.accepted_at.is_not(None), mentorings.c.status == Status.REJECTED.value)
    )
)
_SINCE: Final = messages.c.created_at >= bindparam("since", type_=UtcDateTime)
# The UTC day of a message: PostgreSQL stores timestamptz, SQLite text in UTC.
_PG_DAY: Final = cast(func.timezone("UTC", messages.c.created_at), Date)
_SQLITE_DAY: Final = func.substr(messages.c.created_at, 1, 10)
_PER_DAY: Final = Statement(
    select(_PG_DAY, func.count()).where(_SINCE).group_by(_PG_DAY),
    sqlite=select(_SQLITE_DAY, func.count()).where(_SINCE).group_by(_SQLITE_DAY),
)
_AT_CAPACITY: Final = Statement(
    select(func.count())
    .select_from(profiles)
    .where(profiles.c.listed, profiles.c.active_mentees >= profiles.c.capacity)
)
_EXPIRING: Final = Statement(
    select(func.count())
    .select_from(mentorings)
    .where(
        _PENDING,
        mentorings.c.created_at > _EXPIRED_BEFORE,
        mentorings.c.created_at <= bindparam("expiring_before", type_=UtcDateTime),
    )
)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class SqlProgrammeFigures:
    __slots__ = ("_run",)

    def __init__(self, run: Runner) -> None:
        self._run = run

    async def counts(
        self, *, messages_since: datetime, expired_before: datetime, expiring_before: datetime
    ) -> ProgrammeCounts:
        run = self._run
        user_row = await run.first(_USERS, {})
        assert user_row is not None  # an aggregate without GROUP BY has one row
        by_status = await run.rows(_BY_STATUS, {"expired_before": expired_before})
        answers = await run.rows(_ANSWERS, {})
        per_day = await run.rows(_PER_DAY, {"since": messages_since})
        at_capacity = await run.first(_AT_CAPACITY, {})
        expiring = await run.first(
            _EXPIRING, {"expired_before": expired_before, "expiring_before": expiring_before}
        )
        answer_times: list[timedelta] = [answered - asked for asked, answered, _ in answers]
        return ProgrammeCounts(
            users={key: int(n or 0) for key, n in zip(_USER_KEYS, user_row, strict=True)},
            mentorings={Status(status): int(n) for status, n in by_status},
            answer_times=answer_times,
            accepted=sum(1 for *_, accepted in answers if accepted),
            messages_per_day={_day(day): int(n) for day, n in per_day},
            mentors_at_capacity=int(at_capacity[0]) if at_capacity else 0,
            requests_expiring=int(expiring[0]) if expiring else 0,
        )
