"""The audit trail for administrators: pages of entries, oldest first, filtered by whom or what."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.ports import UnitOfWork
from mentorat.domain.audit import AuditAction, AuditEntry, AuditId
from mentorat.domain.chat import ID_MAX
from mentorat.domain.errors import InvalidFieldValue, InvalidPaging
from mentorat.domain.users import UserId

AUDIT_PAGE_DEFAULT = 100
AUDIT_PAGE_MAX = 500


def audit_action(raw: str) -> AuditAction:
    try:
        return AuditAction(raw)
    except ValueError:
        known = ", ".join(a.value for a in AuditAction)
        raise InvalidFieldValue("action", f"action must be one of: {known}.") from None


@dataclass(frozen=True, slots=True)
class AuditQuery:
    after: AuditId | None = None
    limit: int = AUDIT_PAGE_DEFAULT
    subject_id: UserId | None = None
    action: AuditAction | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= AUDIT_PAGE_MAX:
            raise InvalidPaging(
                "limit", f"limit must be an integer between 1 and {AUDIT_PAGE_MAX}."
            )
        if self.after is not None and not 0 <= self.after < ID_MAX:
            raise InvalidPaging("after", "after must be an audit entry id (0 for the first page).")
        if self.subject_id is not None and not 0 < self.subject_id < ID_MAX:
            raise InvalidPaging("user", "user must be a user id.")


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    next_after: AuditId | None


class ReadAudit:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, query: AuditQuery) -> AuditPage:
        async with self._uow(write=False) as tx:
            found = await tx.audit.page(
                after=query.after,
                limit=query.limit + 1,
                subject_id=query.subject_id,
                action=query.action,
            )
        shown = found[: query.limit]
        return AuditPage(shown, shown[-1].id if len(found) > query.limit else None)
