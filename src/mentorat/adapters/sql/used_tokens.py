"""Used refresh tokens in SQL: the primary key on the jti lets exactly one trade of a token in.

On PostgreSQL concurrent inserts of one jti wait for the first to commit, then insert nothing;
on SQLite `BEGIN IMMEDIATE` serializes them. Either way the losers see "already used".
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import bindparam, delete, select

from mentorat.adapters.sql.mapping import bound
from mentorat.adapters.sql.statements import Runner, Statement, insert_unless_taken
from mentorat.adapters.sql.tables import UtcDateTime, used_refresh_tokens
from mentorat.application.idempotency import PRUNE_BATCH

_T: Final = used_refresh_tokens
_INSERT: Final = insert_unless_taken(_T, bound(_T, [c.name for c in _T.c]), [_T.c.jti], _T.c.jti)
# Expired tokens are refused for their `exp` before they get here: forget them, a batch at a
# time, skipping rows another transaction holds (SQLite drops the clause).
_PRUNE: Final = Statement(
    delete(_T).where(
        _T.c.jti.in_(
            select(_T.c.jti)
            .where(_T.c.expires_at <= bindparam("b_now", type_=UtcDateTime))
            .order_by(_T.c.expires_at)
            .limit(PRUNE_BATCH)
            .with_for_update(skip_locked=True)
        )
    )
)


_IS_USED: Final = Statement(select(_T.c.jti).where(_T.c.jti == bindparam("jti")))


class SqlUsedRefreshTokens:
    """Implements `application.ports.UsedRefreshTokens` with the `used_refresh_tokens` table."""

    __slots__ = ("_run",)

    def __init__(self, run: Runner) -> None:
        self._run = run

    async def use(self, jti: str, expires_at: datetime, now: datetime) -> bool:
        if await self._run.first(_INSERT, {"jti": jti, "expires_at": expires_at}) is None:
            return False
        await self._run.execute(_PRUNE, {"b_now": now})
        return True

    async def is_used(self, jti: str) -> bool:
        return await self._run.first(_IS_USED, {"jti": jti}) is not None
