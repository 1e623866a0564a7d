"""The audit trail: administrative acts and security events, who did them, to whom, from where.

An entry never holds a password, a token or a typed username: `detail` carries only what the
action needs said (which field changed, how many rows), as plain JSON values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NewType

from mentorat.domain.users import UserId

AuditId = NewType("AuditId", int)
# Longer addresses are cut: an address is an IP, and anything longer is noise.
ADDRESS_MAX = 255
Detail = Mapping[str, str | int | bool | None]


class AuditAction(StrEnum):
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    PASSWORD_CHANGED = "password_changed"
    TEMPORARY_PASSWORD_SET = "temporary_password_set"
    LOGGED_OUT = "logged_out"
    USER_PROMOTED = "user_promoted"
    USER_DEMOTED = "user_demoted"
    USER_VERIFIED = "user_verified"
    USER_UNVERIFIED = "user_unverified"
    USER_DEACTIVATED = "user_deactivated"
    USER_REACTIVATED = "user_reactivated"
    DATA_EXPORTED = "data_exported"
    USER_ERASED = "user_erased"


@dataclass(frozen=True, slots=True)
class NewAuditEntry:
    action: AuditAction
    at: datetime
    # Who acted: None for an anonymous caller or the command line.
    actor_id: UserId | None = None
    # Whom it is about: None when it names nobody (a login for an unknown name).
    subject_id: UserId | None = None
    address: str = ""
    detail: Detail = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.address) > ADDRESS_MAX:
            object.__setattr__(self, "address", self.address[:ADDRESS_MAX])


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: AuditId
    action: AuditAction
    at: datetime
    actor_id: UserId | None
    subject_id: UserId | None
    address: str
    detail: Detail

    @classmethod
    def from_new(cls, entry_id: AuditId, new: NewAuditEntry) -> AuditEntry:
        return cls(
            entry_id, new.action, new.at, new.actor_id, new.subject_id, new.address, new.detail
        )
