"""What the application needs from the outside world, in domain terms.

Adapters implement these protocols structurally (no inheritance needed); each adapter's tests
assert conformance with an annotated assignment that mypy checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Protocol

from mentorat.domain.audit import AuditAction, AuditEntry, AuditId, NewAuditEntry
from mentorat.domain.chat import Message, MessagePage, NewMessage, PageRequest
from mentorat.domain.directory import DirectoryPage, DirectoryQuery, MentorCard
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.goals import NO_GOALS, Goal, GoalId, GoalTally, NewGoal
from mentorat.domain.mentoring import Mentoring, NewMentoring, Role, Status
from mentorat.domain.profiles import MentorStanding, Profile
from mentorat.domain.users import NewUser, User, UserId


class Users(Protocol):
    async def add(self, new: NewUser) -> User:
        """Store a new user; raises UsernameTaken when the name is taken ignoring case."""

    async def get(self, user_id: UserId, *, for_update: bool = False) -> User | None:
        """Load one user; `for_update` holds them against concurrent writers until commit."""

    async def get_by_username(self, username: str, *, for_update: bool = False) -> User | None:
        """Look a user up by name, ignoring case; `for_update` holds the user against
        concurrent writers until commit (a save writes every field back)."""

    async def get_many(self, user_ids: Sequence[UserId]) -> dict[UserId, User]: ...

    async def save(self, user: User) -> None: ...

    async def add_existing(self, users: Sequence[User]) -> None:
        """Store users that keep the ids they have (brought in from another system), each
        with the empty profile; the ids the store gives later follow the largest. The caller
        has checked that neither their ids nor their names are taken."""

    async def search(
        self, text: str = "", *, after: UserId | None = None, limit: int | None = None
    ) -> list[User]:
        """Users by id ascending, with an id greater than `after`, at most `limit`; with
        `text`, only those whose username, email, first or last name contains it, ignoring
        case (ASCII case on SQLite for the email and the names)."""


class Profiles(Protocol):
    """Every user's profile (`Users.add` gives each new user the empty one), and what the store
    counts about each mentor."""

    async def get(self, user_id: UserId) -> tuple[Profile, MentorStanding] | None: ...

    async def get_with_owner(
        self, user_id: UserId, *, for_update: bool = False
    ) -> tuple[User, Profile, MentorStanding] | None:
        """The user with their profile and standing, in one read; `for_update` holds both
        against concurrent writers until commit."""

    async def save(self, profile: Profile, owner: User) -> None:
        """Write the profile back; `owner`'s names are searched beside it, so a change of
        names is saved here too."""

    async def take_place(self, mentor_id: UserId) -> bool:
        """Count one more active mentee for the mentor if a place is left (fewer active mentees
        than their capacity); False, counting nothing, when they are full. Concurrent callers
        for one mentor take places one after the other: never more than the capacity."""

    async def free_place(self, mentor_id: UserId) -> None:
        """Count one active mentee less (a mentoring that was active ended)."""

    async def record_answer_time(self, mentor_id: UserId, answer_time: timedelta | None) -> None:
        """Keep the median time the mentor takes to answer a request."""


class MentorDirectory(Protocol):
    """Mentors as strangers see them, searched with the rules of `domain.directory`."""

    async def search(self, query: DirectoryQuery) -> DirectoryPage:
        """One page of the active mentors `query` selects, in the order of
        `domain.directory.sort_key`, with `relevance` as each card's rank."""

    async def candidates(
        self, mentee_id: UserId, wanted_skills: Sequence[str], limit: int
    ) -> list[MentorCard]:
        """Up to `limit` active mentors other than the mentee who accept requests and have a
        place left, those with the most of `wanted_skills` first, then by id."""


@dataclass(frozen=True, slots=True)
class MentoringWithPeople:
    mentoring: Mentoring
    mentee: User
    mentor: User
    goals: GoalTally = NO_GOALS
    # How many of its messages come after the reader's read mark (all, without a mark).
    unread: int = 0


class Mentorings(Protocol):
    async def add(self, new: NewMentoring) -> Mentoring:
        """Store a new pending request; raises OpenMentoringExists when the pair has one."""

    async def get(self, mentoring_id: MentoringId, *, for_update: bool = False) -> Mentoring | None:
        """Load one mentoring; `for_update` holds it against concurrent writers until commit."""

    async def save(self, mentoring: Mentoring) -> None:
        """Write back a loaded mentoring; raises ConcurrentUpdate if it changed meanwhile."""

    async def has_open_between(self, mentor_id: UserId, mentee_id: UserId) -> bool: ...

    async def list_for(
        self,
        user_id: UserId,
        *,
        status: Status | None = None,
        role: Role | None = None,
        expired_before: datetime | None = None,
        after: MentoringId | None = None,
        limit: int | None = None,
    ) -> list[Mentoring]:
        """Every mentoring the user takes part in (or in `role`), by id ascending.

        `status` filters on the status as of the expiry cutoff `expired_before`: a pending
        request created at or before it counts as expired (not as pending), whether or not its
        expiry was recorded. `after`: only ids greater than it; `limit`: at most that many.
        """

    async def list_accepted_for(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[Mentoring]:
        """Mentorings the user takes part in that have been active at some point, by id; with
        `after` and `limit` as in `list_for`."""

    async def list_accepted_with_unread(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[tuple[Mentoring, int]]:
        """As `list_accepted_for`, each with how many of its messages come after the user's
        read mark (`Messages.mark_read`; all of them without a mark), in the same read."""

    async def list_accepted_with_people(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[MentoringWithPeople]:
        """As `list_accepted_for`, with both participants, the tally of the mentoring's goals
        and the user's unread count (as `list_accepted_with_unread`) loaded in the same read."""

    async def answer_times(self, mentor_id: UserId, latest: int) -> list[timedelta]:
        """How long the mentor took to answer (accept or refuse) each of their `latest`
        answered requests: from its creation to its acceptance or refusal."""

    async def expire_requested_before(
        self, cutoff: datetime, *, pair: tuple[UserId, UserId] | None = None
    ) -> list[MentoringId]:
        """Record as expired every pending request created at or before `cutoff` (only that
        of the (mentor, mentee) `pair`, when given); the ids of those it expired, ascending.

        Each becomes `Status.EXPIRED` and its version moves on, as a save would; nothing else
        changes (see `Mentoring.expire_if_due`).
        """


@dataclass(frozen=True, slots=True)
class ChatRead:
    """A mentoring and, when the reader takes part in it, one page of its chat."""

    mentoring: Mentoring
    page: MessagePage | None


@dataclass(frozen=True, slots=True)
class ReadMark:
    """Where a participant has read a chat up to, and how many of its messages come after.

    `moved`: whether the mark just moved forward (a mark never moves back)."""

    message_id: MessageId
    unread: int
    moved: bool = False


class Messages(Protocol):
    async def add(self, new: NewMessage, decided_on: Mentoring) -> Message:
        """Store a message and count it on its mentoring, if the mentoring still is what the
        domain allowed the post on: the stored status and participants are `decided_on`'s
        (a snapshot of any age: see `ChatPosts`); otherwise raise ConcurrentUpdate, storing
        nothing.

        The store keeps the chat's counters: `message_count` grows by one and the message is
        dated `domain.chat.chat_time(stored last_message_at, new.created_at)`, which becomes
        the new `last_message_at`, so that posts to one chat compose instead of conflicting
        (`decided_on` is left as it is). Ids grow in commit order within a chat. The sender
        has read the chat up to their message (`mark_read`).
        """

    async def get(self, message_id: MessageId) -> Message | None: ...

    async def mark_read(
        self, mentoring_id: MentoringId, reader: UserId, up_to: MessageId
    ) -> ReadMark:
        """Mark the chat read by `reader` up to its last message at or before `up_to`, unless
        they had read further already: the mark never moves back. Messages after the mark
        are unread; posting moves the sender's mark to their message (`add`)."""

    async def page(self, mentoring_id: MentoringId, request: PageRequest) -> MessagePage:
        """One page of a chat, with the semantics of `mentorat.domain.chat.paginate`."""

    async def read_chat(
        self, mentoring_id: MentoringId, reader: UserId, request: PageRequest
    ) -> ChatRead | None:
        """The mentoring (None when there is none) with one page of its chat, in one read.

        `page` is None exactly when `reader` is not one of the mentoring's two participants
        (`Mentoring.involves`): a page nobody may be shown is not read. The use case still
        decides visibility with the domain rule; the contract tests prove the two agree.
        """


class ChatPosts(Protocol):
    """Posts messages, each committed on its own: a post is not part of a unit of work."""

    async def post(
        self, mentoring_id: MentoringId, compose: Callable[[Mentoring], NewMessage]
    ) -> Message:
        """Store the message `compose` makes of the mentoring (raising MentoringNotFound when
        there is none), as `Messages.add` does, and commit it.

        `compose` applies the domain's rules and may raise; it may see a snapshot of the
        mentoring of any age, because the store checks what the post was decided on and,
        when that moved, calls `compose` again on a fresh read (or gives up with
        ConcurrentUpdate after a few such races).
        """


class Goals(Protocol):
    """The goals of mentorings; a mentoring's goals are ordered by position, 1 to n."""

    async def add(self, new: NewGoal) -> Goal:
        """Store a new goal, at `new.position`."""

    async def get(self, goal_id: GoalId) -> Goal | None: ...

    async def count(self, mentoring_id: MentoringId) -> int:
        """How many goals the mentoring has."""

    async def list_for(self, mentoring_id: MentoringId) -> list[Goal]:
        """Every goal of the mentoring, by position."""

    async def save(self, goal: Goal) -> None:
        """Write back what an edit changes: title, due date, done, `updated_at`, `done_at`.

        The position is not written: only `reorder` and `delete` move goals.
        """

    async def delete(self, goal: Goal) -> None:
        """Delete the goal; the goals after it move up one place, so no gap is left."""

    async def reorder(self, goals: Sequence[Goal]) -> None:
        """Store the position of each of `goals`, which are all the goals of one mentoring."""


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


class Transaction(Protocol):
    @property
    def users(self) -> Users: ...

    @property
    def personal_data(self) -> PersonalData: ...

    @property
    def statistics(self) -> ProgrammeFigures: ...

    @property
    def audit(self) -> AuditTrail: ...

    @property
    def profiles(self) -> Profiles: ...

    @property
    def directory(self) -> MentorDirectory: ...

    @property
    def mentorings(self) -> Mentorings: ...

    @property
    def messages(self) -> Messages: ...

    @property
    def goals(self) -> Goals: ...

    @property
    def idempotency(self) -> IdempotencyKeys: ...

    @property
    def used_refresh_tokens(self) -> UsedRefreshTokens: ...

    @property
    def outbox(self) -> Outbox: ...

    async def commit(self) -> None: ...


class UnitOfWork(Protocol):
    def __call__(self, *, write: bool = True) -> AbstractAsyncContextManager[Transaction]:
        """Open one transaction. Leaving the block without `commit()` rolls it back.

        `write=False` promises the block only reads, which lets some stores avoid locks.
        """

    async def ping(self) -> None:
        """Return when the store answers; raise StorageUnavailable when it does not."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """True when `password` matches; takes the same time whatever the answer."""

    async def burn(self, password: str) -> None:
        """Spend the time a verification would, for a user who does not exist."""

    def needs_rehash(self, password_hash: str) -> bool:
        """True when a verified password should be hashed again and the hash replaced (a
        hash brought from another system, or weaker than today's parameters)."""


@dataclass(frozen=True, slots=True)
class TokenPair:
    """`password_change_required`: the account holds a temporary password, and every route but
    the password change refuses its tokens until it is replaced."""

    access: str
    refresh: str
    password_change_required: bool = False


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    """What a valid refresh token buys: a new access token (and, rotating, a new refresh token).

    `jti` and `expires_at` identify the token that was traded in, for the used-token record;
    `issued_at` is its `iat` (whole seconds since the epoch).
    """

    user_id: UserId
    jti: str
    expires_at: datetime
    access: str
    refresh: str | None = None
    issued_at: int = 0


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """Who an access token stands for, and when it was issued (`iat`, whole seconds)."""

    user_id: UserId
    issued_at: int


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a valid token of either type says."""

    token_type: str
    user_id: UserId
    jti: str
    issued_at: int
    expires_at: datetime


class Tokens(Protocol):
    def issue(self, user_id: UserId, now: datetime) -> TokenPair: ...

    def refresh(self, refresh_token: str, now: datetime, *, rotate: bool = False) -> RefreshGrant:
        """Check a refresh token and mint a new access token (and refresh token if `rotate`).

        Raises InvalidToken. Does not know whether the token was used before: see
        `UsedRefreshTokens`.
        """

    def verify_access(self, access_token: str, now: datetime) -> AccessGrant:
        """The user an access token stands for; raises InvalidToken."""

    def read(self, token: str, now: datetime) -> TokenClaims:
        """The claims of a valid, unexpired token of any type; raises InvalidToken."""


class LoginThrottle(Protocol):
    async def retry_after(self, username: str, address: str, now: datetime) -> int:
        """Seconds the caller must still wait before trying again, 0 when allowed."""

    async def record_failure(self, username: str, address: str, now: datetime) -> None: ...


class RegistrationThrottle(Protocol):
    async def admit(self, address: str, now: datetime) -> int:
        """Count one registration from `address` and return 0; or, when the address already
        made its share within the window, count nothing and return the seconds to wait.
        An empty address (unknown) is always admitted and never counted."""


class Occurrence(Enum):
    """What operators count and no single answer tells them (a 401 does not say it was a login)."""

    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    IDEMPOTENT_REPLAY = "idempotent_replay"


class Tally(Protocol):
    """What operators count (metrics). Every method is cheap, never fails and never waits:
    it runs in requests and in the outbox reader."""

    def add(self, occurrence: Occurrence) -> None:
        """Count one occurrence."""

    def streams_opened(self, change: int) -> None:
        """Event streams of this process: +1 as one opens, -1 as it ends."""

    def event_handed(self, delay_seconds: float) -> None:
        """The outbox reader handed an event to this process's streams, `delay_seconds` after
        the change that recorded it (the outbox's lag)."""


class Untallied:
    """The tally where nobody counts: the default of the use cases that count."""

    __slots__ = ()

    def add(self, occurrence: Occurrence) -> None:
        return None

    def streams_opened(self, change: int) -> None:
        return None

    def event_handed(self, delay_seconds: float) -> None:
        return None


UNTALLIED: Tally = Untallied()

# --- what pushes outbox events out: webhooks and email -----------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    """An operator's endpoint: the events named in `events` (every event when empty) are
    POSTed to `url`, signed with `secret`."""

    id: int
    url: str
    events: tuple[str, ...]
    secret: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a reader of the outbox (a webhook endpoint, the mailer) stands: the last event
    it is done with, and how its attempts at the next one went."""

    cursor: int
    attempts: int = 0
    failing_since: datetime | None = None
    next_attempt_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class FailedDelivery:
    """An event an endpoint did not take within the give-up time (the dead letters)."""

    id: int
    endpoint_id: int
    event: StoredEvent
    attempts: int
    last_error: str
    failed_at: datetime


class Webhooks(Protocol):
    """The webhook endpoints, where each stands in the outbox, and the deliveries given up.

    An endpoint is held by one dispatcher at a time (`holder`, until a time): the writes of
    a dispatcher change nothing and answer False once another holds the endpoint.
    """

    async def add(
        self, url: str, events: Sequence[str], secret: str, now: datetime
    ) -> WebhookEndpoint:
        """Register an endpoint; it is sent the events recorded after the newest one now."""

    async def all(self) -> list[tuple[WebhookEndpoint, Progress]]:
        """Every endpoint, by id."""

    async def remove(self, endpoint_id: int) -> bool:
        """Forget the endpoint and its failed deliveries; False when there is none."""

    async def take(
        self, holder: str, now: datetime, until: datetime
    ) -> list[tuple[WebhookEndpoint, Progress]]:
        """The endpoints due at `now` (no attempt planned later) that nobody else holds at
        `now`, by id, each now held by `holder` until `until`."""

    async def advance(self, endpoint_id: int, holder: str, cursor: int, until: datetime) -> bool:
        """The endpoint is done with every event up to `cursor`: its failures are forgotten
        and it is held until `until`."""

    async def record(
        self, endpoint_id: int, holder: str, progress: Progress, until: datetime
    ) -> bool:
        """Store `progress`: a failed attempt (when to try again), or a cursor moved past
        events the endpoint does not ask for (its failures kept)."""

    async def give_up(
        self,
        endpoint_id: int,
        holder: str,
        failed: FailedDelivery,
        progress: Progress,
        until: datetime,
    ) -> bool:
        """Keep `failed` among the failed deliveries and move to `progress` (past its event),
        in one change."""

    async def release(self, holder: str) -> None:
        """Let go of every endpoint `holder` holds (a dispatcher that stops)."""

    async def failed(self, limit: int) -> list[FailedDelivery]:
        """The latest failed deliveries, newest first."""

    async def failed_one(self, failed_id: int) -> tuple[FailedDelivery, WebhookEndpoint] | None:
        """One failed delivery with its endpoint."""

    async def forget_failed(self, failed_id: int) -> None:
        """Drop a failed delivery (it was delivered by hand since)."""


class WebhookSender(Protocol):
    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> None:
        """POST `body`; return on a 2xx answer, raise DeliveryFailed otherwise (another
        status, a timeout, no connection)."""


@dataclass(frozen=True, slots=True)
class UnreadMessage:
    """A message posted to `user_id`'s chat by the other participant, for their digest."""

    user_id: UserId
    mentoring_id: MentoringId
    sender_id: UserId
    at: datetime


@dataclass(frozen=True, slots=True)
class Digest:
    """The messages of one chat a person has not been told of by mail yet: how many, who
    sent the latest, since when; due at `due_at`."""

    user_id: UserId
    mentoring_id: MentoringId
    count: int
    sender_id: UserId
    first_at: datetime
    due_at: datetime


class MailQueue(Protocol):
    """Where the mailer stands in the outbox, and the digests it has yet to send.

    Held by one mailer at a time, as a webhook endpoint is (`Webhooks`)."""

    async def take(self, holder: str, now: datetime, until: datetime) -> Progress | None:
        """The mailer's progress, now held by `holder` until `until`; None when another holds
        it at `now` or its next attempt is planned later. The first take ever starts after the
        newest event recorded."""

    async def advance(
        self,
        holder: str,
        cursor: int,
        until: datetime,
        unread: Sequence[UnreadMessage] = (),
        window: timedelta = timedelta(0),
    ) -> bool:
        """Done with every event up to `cursor`, failures forgotten; each of `unread` counts
        in its reader's digest for the chat, which a first message makes due `window` later."""

    async def record(self, holder: str, progress: Progress, until: datetime) -> bool:
        """Store `progress`: a failed attempt (when to try again), or an event given up."""

    async def due(self, now: datetime, limit: int) -> list[Digest]:
        """Up to `limit` digests due at `now`, the oldest first."""

    async def sent(self, holder: str, digest: Digest, until: datetime) -> bool:
        """Forget the digest, which was sent."""

    async def release(self, holder: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None:
        """Hand `mail` to the mail server; raise DeliveryFailed when it does not take it."""


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[object]) -> None:
        """Hand domain events to whoever listens (notifications, real-time chat)."""


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to record in the outbox, in the transaction of the change that caused it.

    `recipients`: the users it is addressed to (a mentoring's two participants, or only the
    person whose other devices must hear of it). `payload`: JSON text in the contract's shapes
    (`application.event_payloads`).
    """

    name: str
    mentoring_id: MentoringId
    recipients: tuple[UserId, ...]
    occurred_at: datetime
    payload: str


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the outbox keeps it: `id` grows with every event recorded."""

    id: int
    name: str
    mentoring_id: MentoringId | None
    recipients: tuple[UserId, ...]
    occurred_at: datetime
    payload: str


@dataclass(frozen=True, slots=True)
class OutboxPage:
    """Events after a cursor, with two marks of the changes that may still record events as
    of the read: every change that began before `running_from` has ended, and every change
    running now began before `started_before`.

    An id missing between the events read (drawn by a change not yet committed, or by one
    that rolled back) is never to come once a later read's `running_from` reaches the
    `started_before` of the read that first saw it missing. A store whose changes commit in
    the order of their ids says 0 for both: a missing id there never comes.
    """

    events: list[StoredEvent]
    running_from: int = 0
    started_before: int = 0


class Outbox(Protocol):
    """The events recorded by committed changes, by id ascending."""

    async def add(self, events: Sequence[NewEvent]) -> None:
        """Record `events` in this transaction, each with an id greater than any before it."""

    async def after(
        self, cursor: int, *, limit: int, recipient: UserId | None = None
    ) -> list[StoredEvent]:
        """Up to `limit` events with an id greater than `cursor` (addressed to `recipient`,
        when given), by id ascending."""

    async def read(self, cursor: int, *, limit: int) -> OutboxPage:
        """Up to `limit` events (for anyone) with an id greater than `cursor`, by id, with
        the marks of `OutboxPage` as of the same read."""

    async def bounds(self) -> tuple[int, int] | None:
        """The smallest and the greatest id kept; None when the outbox is empty."""

    async def marks(self) -> tuple[int, int]:
        """`OutboxPage`'s `running_from` and `started_before`, as of now."""

    async def prune(self, before: datetime) -> int:
        """Forget the events that occurred before `before`, oldest first; how many it forgot.

        Events are forgotten in id order: pruning stops at the first event it keeps.
        """


class OutboxWakeups(Protocol):
    """Tells the readers of the outbox in this process that it may hold new events."""

    def poke(self) -> None:
        """New events were committed (or may have been: a lost notification channel came
        back): wake every waiter."""

    async def wait(self, at_most: float) -> None:
        """Return once poked since the last wait returned (at once when that already
        happened), or after `at_most` seconds."""

    async def aclose(self) -> None: ...
