"""The audit trail in SQL: `application.ports.AuditTrail` on the `audit_events` table."""

from __future__ import annotations

import json
from typing import Any, Final

from sqlalchemy import bindparam, insert, select, update

from mentorat.adapters.sql.mapping import Row, bound
from mentorat.adapters.sql.statements import Runner, Statement
from mentorat.adapters.sql.tables import Id, audit_events
from mentorat.domain.audit import AuditAction, AuditEntry, AuditId, NewAuditEntry
from mentorat.domain.users import UserId

_T: Final = audit_events
_FIELDS: Final = ("at", "action", "actor_id", "subject_id", "address", "detail")
_INSERT: Final = Statement(insert(_T).values(bound(_T, _FIELDS)))
# Every page is id-ordered, after a cursor; one statement per combination of filters.
_NO_LIMIT: Final = 2**62


def _page_statement(by_subject: bool, by_action: bool) -> Statement:
    query = select(_T.c.id, *(_T.c[name] for name in _FIELDS)).where(
        _T.c.id > bindparam("after", type_=Id)
    )
    if by_subject:
        query = query.where(_T.c.subject_id == bindparam("subject_id", type_=Id))
    if by_action:
        query = query.where(_T.c.action == bindparam("action"))
    return Statement(query.order_by(_T.c.id).limit(bindparam("limit")))


_PAGES: Final = {(s, a): _page_statement(s, a) for s in (False, True) for a in (False, True)}
_FORGET: Final = Statement(
    update(_T)
    .where((_T.c.subject_id == bindparam("who", type_=Id)) | (_T.c.actor_id == bindparam("who")))
    .values(address="")
)


def _entry(row: Row) -> AuditEntry:
    entry_id, at, action, actor_id, subject_id, address, detail = row
    return AuditEntry(
        id=AuditId(entry_id),
        action=AuditAction(action),
        at=at,
        actor_id=None if actor_id is None else UserId(actor_id),
        subject_id=None if subject_id is None else UserId(subject_id),
        address=address,
        detail=json.loads(detail),
    )


class SqlAuditTrail:
    __slots__ = ("_run",)

    def __init__(self, run: Runner) -> None:
        self._run = run

    async def record(self, entry: NewAuditEntry) -> None:
        values: dict[str, Any] = {
            "at": entry.at,
            "action": entry.action.value,
            "actor_id": entry.actor_id,
            "subject_id": entry.subject_id,
            "address": entry.address,
            "detail": json.dumps(dict(entry.detail), sort_keys=True),
        }
        await self._run.execute(_INSERT, values)

    async def page(
        self,
        *,
        after: AuditId | None = None,
        limit: int | None = None,
        subject_id: UserId | None = None,
        action: AuditAction | None = None,
    ) -> list[AuditEntry]:
        statement = _PAGES[(subject_id is not None, action is not None)]
        params: dict[str, Any] = {
            "after": after or 0,
            "limit": _NO_LIMIT if limit is None else limit,
        }
        if subject_id is not None:
            params["subject_id"] = subject_id
        if action is not None:
            params["action"] = action.value
        return [_entry(row) for row in await self._run.rows(statement, params)]

    async def forget_addresses(self, subject_id: UserId) -> None:
        await self._run.execute(_FORGET, {"who": subject_id})
