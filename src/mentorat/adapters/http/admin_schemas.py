"""The JSON shapes of /api/admin/: accounts, statistics, audit entries."""

from __future__ import annotations

from typing import Any

import msgspec

from mentorat.adapters.http.schemas import Timestamp, wire_time
from mentorat.application.show_statistics import ProgrammeStatistics
from mentorat.application.views import AccountView
from mentorat.domain.audit import AuditEntry


class TemporaryPasswordIn(msgspec.Struct, frozen=True):
    password: str


class AccountOut(msgspec.Struct):
    """The user object of the contract, and what administrators see besides."""

    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    is_mentor: bool
    phone_number: str | None
    is_verified: bool
    is_active: bool
    is_staff: bool
    must_change_password: bool
    joined_at: Timestamp
    password_changed_at: Timestamp | None


def account_out(account: AccountView) -> AccountOut:
    user = account.user
    changed = account.password_changed_at
    return AccountOut(
        id=user.id,
        username=user.username,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        is_mentor=user.is_mentor,
        phone_number=user.phone_number,
        is_verified=user.is_verified,
        is_active=user.is_active,
        is_staff=user.is_staff,
        must_change_password=user.must_change_password,
        joined_at=wire_time(account.joined_at),
        password_changed_at=None if changed is None else wire_time(changed),
    )


class DayCountOut(msgspec.Struct):
    date: str
    count: int


class StatisticsOut(msgspec.Struct):
    users: dict[str, int]
    mentorings: dict[str, int]
    requests_answered: int
    median_answer_seconds: float | None
    acceptance_rate: float | None
    messages_per_day: list[DayCountOut]
    mentors_at_capacity: int
    requests_about_to_expire: int
    generated_at: Timestamp


def statistics_out(stats: ProgrammeStatistics) -> StatisticsOut:
    return StatisticsOut(
        users=stats.users,
        mentorings=stats.mentorings,
        requests_answered=stats.requests_answered,
        median_answer_seconds=stats.median_answer_seconds,
        acceptance_rate=stats.acceptance_rate,
        messages_per_day=[DayCountOut(day.isoformat(), n) for day, n in stats.messages_per_day],
        mentors_at_capacity=stats.mentors_at_capacity,
        requests_about_to_expire=stats.requests_about_to_expire,
        generated_at=wire_time(stats.generated_at),
    )


class AuditEntryOut(msgspec.Struct):
    id: int
    action: str
    at: Timestamp
    actor_id: int | None
    subject_id: int | None
    address: str
    detail: dict[str, Any]


def audit_entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id,
        action=entry.action.value,
        at=wire_time(entry.at),
        actor_id=entry.actor_id,
        subject_id=entry.subject_id,
        address=entry.address,
        detail=dict(entry.detail),
    )
