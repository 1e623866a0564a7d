"""The mentoring aggregate: a mentee's request to a mentor, and its lifecycle.

    pending --accept--> active --complete--> completed
       |  \\  \\             \\--cancel----> cancelled (with a reason, or none)
       |   \\  \\--reject--> rejected
       |    \\--withdraw (mentee)--> cancelled
       \\--nobody answers within the request TTL--> expired

Terminal states (rejected, cancelled, completed, expired) never change again. A mentoring is
*accepted* once it has been active; it stays accepted after it is completed or cancelled.

A pending request is expired as soon as it is due (`is_due`), whether or not anything has
recorded it yet: every read shows it expired (`expire_if_due` on the loaded copy), and a
sweep (`application.expire_requests`) records it. Expiry is nobody's action, so it leaves
`updated_at` as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from mentorat.domain.errors import (
    InvalidPeriod,
    InvalidTransition,
    MentoringNotFound,
    MentorNotAccepting,
    NotAMentor,
    NotTheMentor,
    NotTheRequester,
    OpenMentoringExists,
    PendingNotCancellable,
    ReasonTooLong,
    RequestNotPending,
    SelfMentoring,
)
from mentorat.domain.events import (
    MentoringAccepted,
    MentoringCancelled,
    MentoringCompleted,
    MentoringEvent,
    MentoringExpired,
    MentoringId,
    MentoringRejected,
    MentoringRequested,
    MentoringWithdrawn,
)
from mentorat.domain.users import User, UserId, ensure_storable

# How long a request waits for its mentor's answer before it expires, unless configured.
DEFAULT_REQUEST_TTL = timedelta(days=14)
REASON_MAX = 1000


class Status(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        """Open mentorings block a second request for the same pair and accept messages."""
        return self in OPEN_STATUSES

    @property
    def is_terminal(self) -> bool:
        return not self.is_open


OPEN_STATUSES = frozenset({Status.PENDING, Status.ACTIVE})


class Ending(StrEnum):
    """How a participant ends a mentoring (`Mentoring.end`).

    WITHDRAWN: the mentee withdraws a pending request (it becomes cancelled). CANCELLED: either
    participant stops an active mentoring. COMPLETED: either participant marks an active
    mentoring as done.
    """

    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


def clean_reason(reason: str | None) -> str | None:
    """Why a mentoring was cancelled, stripped: None when blank, at most 1000 characters."""
    if reason is None:
        return None
    reason = ensure_storable("reason", reason).strip()
    if len(reason) > REASON_MAX:
        raise ReasonTooLong(REASON_MAX)
    return reason or None


def expiry_cutoff(now: datetime, ttl: timedelta) -> datetime:
    """Pending requests created at or before this moment are expired at `now`."""
    return now - ttl


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


@dataclass(frozen=True, slots=True)
class NewMentoring:
    """A request that passed every rule, waiting for an id."""

    mentor_id: UserId
    mentee_id: UserId
    start_date: date
    end_date: date
    requested_at: datetime


def request_mentoring(
    *,
    mentee: User,
    mentor: User | None,
    start_date: date,
    end_date: date,
    open_between_pair: bool,
    at: datetime,
    mentor_accepts_requests: bool = True,
) -> NewMentoring:
    """Check every rule of a new request. `mentor` is None when no such user exists;
    `mentor_accepts_requests` is their profile's `accepting_requests`."""
    if end_date < start_date:
        raise InvalidPeriod()
    if mentor is not None and mentor.id == mentee.id:
        raise SelfMentoring()
    if mentor is None or not mentor.is_mentor or not mentor.is_active:
        raise NotAMentor()
    if not mentor_accepts_requests:
        raise MentorNotAccepting()
    if open_between_pair:
        raise OpenMentoringExists()
    return NewMentoring(
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        start_date=start_date,
        end_date=end_date,
        requested_at=at,
    )


@dataclass(slots=True, eq=False)
class Mentoring:
    id: MentoringId
    mentor_id: UserId
    mentee_id: UserId
    status: Status
    start_date: date
    end_date: date
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None = None
    # Why a participant cancelled it, when they said (None otherwise).
    end_reason: str | None = None
    message_count: int = 0
    last_message_at: datetime | None = None
    # Bumped by each save: a save that finds another version lost a race.
    version: int = 1
    events: list[MentoringEvent] = field(default_factory=list)

    @classmethod
    def from_new(cls, mentoring_id: MentoringId, new: NewMentoring) -> Mentoring:
        mentoring = cls(
            id=mentoring_id,
            mentor_id=new.mentor_id,
            mentee_id=new.mentee_id,
            status=Status.PENDING,
            start_date=new.start_date,
            end_date=new.end_date,
            created_at=new.requested_at,
            updated_at=new.requested_at,
        )
        mentoring.events.append(
            MentoringRequested(mentoring_id, new.requested_at, new.mentor_id, new.mentee_id)
        )
        return mentoring

    # --- who is who ----------------------------------------------------------------------

    def involves(self, user_id: UserId) -> bool:
        return user_id in (self.mentor_id, self.mentee_id)

    def ensure_visible_to(self, user_id: UserId) -> None:
        """Someone else's mentoring is indistinguishable from a missing one."""
        if not self.involves(user_id):
            raise MentoringNotFound()

    def role_of(self, user_id: UserId) -> Role:
        self.ensure_visible_to(user_id)
        return Role.MENTOR if user_id == self.mentor_id else Role.MENTEE

    def other_participant(self, user_id: UserId) -> UserId:
        self.ensure_visible_to(user_id)
        return self.mentee_id if user_id == self.mentor_id else self.mentor_id

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    # --- expiry --------------------------------------------------------------------------

    def is_due(self, now: datetime, ttl: timedelta) -> bool:
        """Pending, and requested at or before `now - ttl`: nobody may act on it but to read."""
        return self.status is Status.PENDING and self.created_at <= expiry_cutoff(now, ttl)

    def status_at(self, now: datetime, ttl: timedelta) -> Status:
        """The status as of `now`: expired when due, whatever is stored."""
        return Status.EXPIRED if self.is_due(now, ttl) else self.status

    def expire_if_due(self, now: datetime, ttl: timedelta) -> bool:
        """Expire a due request (recording `MentoringExpired`); False when it is not due."""
        if not self.is_due(now, ttl):
            return False
        self.status = Status.EXPIRED
        self.events.append(MentoringExpired(self.id, now))
        return True

    # --- transitions ---------------------------------------------------------------------

    def respond(self, *, by: UserId, accept: bool, at: datetime) -> None:
        """The mentor accepts (-> active) or refuses (-> rejected) a pending request."""
        self.ensure_visible_to(by)
        if by != self.mentor_id:
            raise NotTheMentor()
        if self.status is not Status.PENDING:
            raise RequestNotPending(self.status.value)
        if accept:
            self._move(Status.ACTIVE, at)
            self.accepted_at = at
            self.events.append(MentoringAccepted(self.id, at, by))
        else:
            self._move(Status.REJECTED, at)
            self.events.append(MentoringRejected(self.id, at, by))

    def cancel(self, *, by: UserId, at: datetime, reason: str | None = None) -> None:
        """The mentee withdraws a pending request, or either participant ends an active one."""
        self.ensure_visible_to(by)
        if self.status is Status.PENDING and by != self.mentee_id:
            raise NotTheRequester()
        if not self.status.is_open:
            raise InvalidTransition("cancel", self.status.value)
        self._cancel(by, at, reason)

    def withdraw(self, *, by: UserId, at: datetime) -> None:
        """The mentee withdraws a pending request (-> cancelled); the mentor refuses it."""
        self.ensure_visible_to(by)
        if by != self.mentee_id:
            raise NotTheRequester()
        if self.status is not Status.PENDING:
            raise InvalidTransition("withdraw", self.status.value)
        self._cancel(by, at, None)

    def stop(self, *, by: UserId, at: datetime, reason: str | None = None) -> None:
        """Either participant cancels an active mentoring, saying why or not."""
        self.ensure_visible_to(by)
        if self.status is Status.PENDING:
            raise PendingNotCancellable()
        if self.status is not Status.ACTIVE:
            raise InvalidTransition("cancel", self.status.value)
        self._cancel(by, at, reason)

    def _cancel(self, by: UserId, at: datetime, reason: str | None) -> None:
        withdrawn = self.status is Status.PENDING
        self.end_reason = clean_reason(reason)
        self._move(Status.CANCELLED, at)
        if withdrawn:
            self.events.append(MentoringWithdrawn(self.id, at, by))
        else:
            self.events.append(MentoringCancelled(self.id, at, by))

    def complete(self, *, by: UserId, at: datetime) -> None:
        """Either participant marks an active mentoring as done."""
        self.ensure_visible_to(by)
        if self.status is not Status.ACTIVE:
            raise InvalidTransition("complete", self.status.value)
        self._move(Status.COMPLETED, at)
        self.events.append(MentoringCompleted(self.id, at, by))

    def end(self, ending: Ending, *, by: UserId, at: datetime, reason: str | None = None) -> None:
        """`withdraw`, `stop` (with `reason`) or `complete`, as `ending` says."""
        if ending == Ending.COMPLETED:
            self.complete(by=by, at=at)
        elif ending == Ending.WITHDRAWN:
            self.withdraw(by=by, at=at)
        else:
            self.stop(by=by, at=at, reason=reason)

    def _move(self, status: Status, at: datetime) -> None:
        self.status = status
        self.updated_at = max(at, self.updated_at)

    def pull_events(self) -> list[MentoringEvent]:
        events, self.events = self.events, []
        return events
