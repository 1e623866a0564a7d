"""Used refresh tokens in SQL: the primary key on the jti lets exactly one trade of a token in.

On PostgreSQL concurrent inserts of one jti wait for the first to commit, then insert nothing;
on SQLite `BEGIN IMMEDIATE` serializes them. Either way the losers see "already used".
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mentorat.adapters.sql.errors import translated
from mentorat.adapters.sql.tables import UtcDateTime, used_refresh_tokens
from mentorat.application.idempotency import PRUNE_BATCH

_T: Final = used_refresh_tokens
_INSERT: Final = {
    name: insert_(_T).on_conflict_do_nothing(index_elements=[_T.c.jti]).returning(_T.c.jti)
    for name, insert_ in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
# Expired tokens are refused for their `exp` before they get here: forget them, a batch at a
# time, skipping rows another transaction holds (SQLite drops the clause).
_PRUNE: Final = delete(_T).where(
    _T.c.jti.in_(
        select(_T.c.jti)
        .where(_T.c.expires_at <= bindparam("b_now", type_=UtcDateTime))
        .order_by(_T.c.expires_at)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
)


class SqlUsedRefreshTokens:
    """Implements `application.ports.UsedRefreshTokens` with the `used_refresh_tokens` table."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection
        self._insert = _INSERT[connection.dialect.name]

    async def use(self, jti: str, expires_at: datetime, now: datetime) -> bool:
        with translated():
            result = await self._conn.execute(self._insert, {"jti": jti, "expires_at": expires_at})
            if result.first() is None:
                return False
            await self._conn.execute(_PRUNE, {"b_now": now})
        return True
