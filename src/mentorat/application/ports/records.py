"""Ports for what the store keeps beside the aggregates: idempotency keys, used refresh
tokens, the audit trail, the programme's figures and a person's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from mentorat.domain.audit import AuditAction, AuditEntry, AuditId, NewAuditEntry
from mentorat.domain.chat import Message
from mentorat.domain.goals import Goal
from mentorat.domain.mentoring import Status
from mentorat.domain.users import UserId


class IdempotencyKeys(Protocol):
    """Idempotency-Key records, per caller: which request holds a key, and what it created.

    The rules (retention, lease, which answer a second claim gets) are those of
    `mentorat.application.idempotency.replay_of`.
    """

    async def claim(
        self, caller_id: UserId, key: str, fingerprint: str, now: datetime, lease: timedelta
    ) -> int | None:
        """Take `key` for a request of `caller_id` with `fingerprint`, as of `now`.

        None: the key is now held by this request, claimed at `now`; commit, write, then
        `complete` (in the write's transaction) or `release`. An int: the id of the resource
        that a completed request with the same key and fingerprint created. Raises
        IdempotencyKeyReused (another fingerprint), IdempotencyKeyInFlight (held for less
        than `lease`) or InvalidToken (no such caller). `key` is 1-255 and `fingerprint` at
        most 64 printable ASCII characters (see `checked_key` and `stored_fingerprint`).
        """

    async def complete(
        self, caller_id: UserId, key: str, resource_id: int, *, claimed_at: datetime
    ) -> None:
        """Record that the claim made at `claimed_at` created `resource_id`.

        Raises IdempotencyKeyInFlight when that claim is no longer held (another request took
        it over after its lease ran out): the write in the same transaction must not commit.
        """

    async def release(self, caller_id: UserId, key: str, *, claimed_at: datetime) -> None:
        """Forget the claim made at `claimed_at` if it is still running (its write failed)."""


class UsedRefreshTokens(Protocol):
    """Refresh tokens already traded in while rotation is on, or spent by a logout
    (SimpleJWT's blacklist)."""

    async def use(self, jti: str, expires_at: datetime, now: datetime) -> bool:
        """Record the token `jti` as used; False when it already was.

        Also forgets a bounded number of tokens that expired before `now`: they are refused
        for their `exp` anyway.
        """

    async def is_used(self, jti: str) -> bool:
        """Whether the token `jti` was recorded as used."""


class AuditTrail(Protocol):
    """The audit trail (see `domain.audit`)."""

    async def record(self, entry: NewAuditEntry) -> None: ...

    async def page(
        self,
        *,
        after: AuditId | None = None,
        limit: int | None = None,
        subject_id: UserId | None = None,
        action: AuditAction | None = None,
    ) -> list[AuditEntry]:
        """Entries by id ascending, those with an id greater than `after`, at most `limit`;
        only those about `subject_id` or of `action` when given."""

    async def forget_addresses(self, subject_id: UserId) -> None:
        """Blank the client address of every entry about or by the user (an erasure)."""


@dataclass(frozen=True, slots=True)
class ProgrammeCounts:
    """What the store counts for the programme's statistics (see `ProgrammeStatistics`)."""

    users: dict[str, int]
    mentorings: dict[Status, int]
    # From creation to acceptance or refusal, for every answered request.
    answer_times: list[timedelta]
    # How many answered requests were accepted.
    accepted: int
    messages_per_day: dict[date, int]
    mentors_at_capacity: int
    requests_expiring: int


class ProgrammeFigures(Protocol):
    async def counts(
        self, *, messages_since: datetime, expired_before: datetime, expiring_before: datetime
    ) -> ProgrammeCounts:
        """Users by role and state (keys total, mentors, mentees, staff, active, inactive,
        verified_mentors); mentorings by status, a pending request created at or before
        `expired_before` counting as expired; every answered request's answer time; messages
        per UTC day from `messages_since` on; active mentors whose active mentees fill their
        capacity; pending requests created after `expired_before` and at or before
        `expiring_before` (they expire soon)."""


class PersonalData(Protocol):
    """What the store holds about one person beyond their user row and profile: read for an
    export (GDPR article 15), wiped for an erasure (article 17)."""

    async def messages_sent_by(self, user_id: UserId) -> list[Message]:
        """Every message the user wrote, by id."""

    async def goals_of(self, user_id: UserId) -> list[Goal]:
        """The goals of every mentoring the user takes part in, by mentoring then position."""

    async def erase_traces(self, user_id: UserId, username: str, marker: str) -> None:
        """Replace the text of every message the user wrote by `marker` (the chats keep their
        shape), forget the outbox's `message_posted` events addressed to them (a message event
        carries the text; the chats themselves stay), forget the failed-login counters kept
        under their username and the client addresses of audit entries about or by them, and
        leave no copy of erased text in a search index. Their user row and profile are the
        caller's to overwrite first."""
