"""What pushes outbox events out: webhooks and email."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from mentorat.application.ports.events import StoredEvent
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId


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
