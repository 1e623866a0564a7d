"""The JSON shapes of a person's data: the export document and the erasure request."""

from __future__ import annotations

import msgspec

from mentorat.adapters.http.admin_schemas import (
    AccountOut,
    AuditEntryOut,
    account_out,
    audit_entry_out,
)
from mentorat.adapters.http.goal_schemas import GoalOut, goal_out
from mentorat.adapters.http.profile_schemas import MeOut, me_out
from mentorat.adapters.http.schemas import MentoringOut, Timestamp, mentoring_out, wire_time
from mentorat.application.personal_data import PersonalExport


class PasswordIn(msgspec.Struct, frozen=True):
    password: str


class SentMessageOut(msgspec.Struct):
    id: int
    mentoring_id: int
    message: str
    created_at: Timestamp


class EventOut(msgspec.Struct):
    """An event of the outbox as the event stream sends it: `data` is its JSON payload."""

    id: int
    event: str
    occurred_at: Timestamp
    data: msgspec.Raw


class ExportOut(msgspec.Struct):
    """Everything the service holds about one person, as one document."""

    exported_at: Timestamp
    profile: MeOut
    account: AccountOut
    mentorings: list[MentoringOut]
    messages: list[SentMessageOut]
    goals: list[GoalOut]
    audit: list[AuditEntryOut]
    events: list[EventOut]


def export_out(export: PersonalExport) -> ExportOut:
    return ExportOut(
        exported_at=wire_time(export.exported_at),
        profile=me_out(export.profile),
        account=account_out(export.account),
        mentorings=[mentoring_out(m) for m in export.mentorings],
        messages=[
            SentMessageOut(m.id, m.mentoring_id, m.message, wire_time(m.created_at))
            for m in export.messages
        ],
        goals=[goal_out(g) for g in export.goals],
        audit=[audit_entry_out(e) for e in export.audit],
        events=[
            EventOut(e.id, e.name, wire_time(e.occurred_at), msgspec.Raw(e.payload.encode()))
            for e in export.events
        ],
    )
