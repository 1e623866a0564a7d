"""Who does an administrative or security-relevant act, for the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class Actor:
    """`user_id`: the person acting (None: the command line); `address`: where from."""

    user_id: UserId | None = None
    address: str = ""


COMMAND_LINE = Actor(None, "")
