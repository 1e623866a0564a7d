"""Tell people by email what they would want to hear of while away, from the outbox.

- a request received: a mail to the mentor;
- an answer to one's request (accepted or declined): a mail to the mentee;
- messages: not one mail each, but one digest per chat and reader, sent a `window` after the
  first message it counts (so at most one per chat and reader per window), with how many
  messages and who sent the latest.

Nobody is mailed who turned `email_notifications` off, has no address, or was deactivated;
a mail names people and counts messages, never a password, a token or a message's text.
One mailer at a time reads the outbox (its lease in `MailQueue`), as webhooks do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from mentorat.application.deliveries import BATCH, Backoff, Settling, new_holder
from mentorat.application.errors import DeliveryFailed, StorageUnavailable
from mentorat.application.outbox_events import MESSAGE_POSTED, NAMES
from mentorat.application.ports import (
    Clock,
    Digest,
    Mail,
    Mailer,
    MailQueue,
    OutboxWakeups,
    Progress,
    StoredEvent,
    UnitOfWork,
    UnreadMessage,
)
from mentorat.domain.events import MentoringAccepted, MentoringRejected, MentoringRequested
from mentorat.domain.users import User, UserId

log = logging.getLogger(__name__)

REQUESTED: Final = NAMES[MentoringRequested]
ANSWERS: Final = {NAMES[MentoringAccepted]: "accepted", NAMES[MentoringRejected]: "declined"}


def display_name(user: User) -> str:
    full = f"{user.first_name} {user.last_name}".strip()
    return f"{full} ({user.username})" if full else user.username


def request_mail(mentor: User, mentee: User, mentoring_id: int) -> Mail:
    return Mail(
        mentor.email,
        f"New mentoring request from {display_name(mentee)}",
        f"Hello {display_name(mentor)},\n\n{display_name(mentee)} asked you to be their "
        f"mentor (request #{mentoring_id}). Open mentorat to accept or decline it.\n",
    )


def answer_mail(mentee: User, mentor: User, mentoring_id: int, answer: str) -> Mail:
    return Mail(
        mentee.email,
        f"{display_name(mentor)} {answer} your mentoring request",
        f"Hello {display_name(mentee)},\n\n{display_name(mentor)} {answer} your request "
        f"#{mentoring_id}.\n",
    )


def digest_mail(reader: User, sender: User, digest: Digest) -> Mail:
    plural = "message" if digest.count == 1 else "messages"
    return Mail(
        reader.email,
        f"{digest.count} unread {plural} from {display_name(sender)}",
        f"Hello {display_name(reader)},\n\nYou have {digest.count} unread {plural} in your "
        f"mentoring #{digest.mentoring_id}, the latest from {display_name(sender)}. Open "
        f"mentorat to read them.\n",
    )


@dataclass(frozen=True, slots=True)
class MailSettings:
    """`window`: how long a digest collects messages after its first; `lease`: how long the
    mailer stays held without a write of its own (longer than one mail takes to send)."""

    window: timedelta = timedelta(minutes=15)
    lease: timedelta = timedelta(minutes=2)
    backoff: Backoff = field(default_factory=Backoff)


class NotifyByEmail:
    """One mailer; `run` mails until cancelled, `run_once` makes one round."""

    def __init__(
        self,
        uow: UnitOfWork,
        queue: MailQueue,
        mailer: Mailer,
        clock: Clock,
        settings: MailSettings,
        *,
        holder: str | None = None,
    ) -> None:
        self._uow, self._queue, self._mailer = uow, queue, mailer
        self._clock, self._settings = clock, settings
        self.holder = holder or new_holder()
        self._settling = Settling()

    async def run(self, *, poll_seconds: float, wakeups: OutboxWakeups | None = None) -> None:
        """Mail until cancelled, a round every `poll_seconds` (or when woken); lets go of the
        mailer's lease when it stops."""
        try:
            while True:
                try:
                    busy = await self.run_once()
                except StorageUnavailable as error:  # the next round tries again
                    log.warning("mail round skipped: %s", error.message)
                    busy = False
                except Exception:
                    log.exception("mail round failed")
                    busy = False
                if busy:
                    continue
                if wakeups is None:
                    await asyncio.sleep(poll_seconds)
                else:
                    await wakeups.wait(poll_seconds)
        finally:
            with contextlib.suppress(Exception):
                await self._queue.release(self.holder)

    async def run_once(self) -> bool:
        """One round: the events after the mailer's cursor, then the digests due. Whether
        it did anything (another round may find more)."""
        now = self._clock.now()
        progress = await self._queue.take(self.holder, now, self._until())
        if progress is None:
            self._settling = Settling()  # another mailer may hold it
            return False
        moved = await self._read_events(progress)
        sent = await self._send_digests()
        return moved or sent

    def _until(self) -> datetime:
        return self._clock.now() + self._settings.lease

    async def _read_events(self, progress: Progress) -> bool:
        async with self._uow(write=False) as tx:
            page = await tx.outbox.read(progress.cursor, limit=BATCH)
        events = self._settling.settled(progress.cursor, page)
        unread: list[UnreadMessage] = []
        cursor = progress.cursor
        for event in events:
            if event.name == MESSAGE_POSTED:
                unread.extend(_unread_of(event))
            elif event.name == REQUESTED or event.name in ANSWERS:
                # What came before is counted first: a failed mail is tried again alone.
                if cursor != progress.cursor or unread:
                    if not await self._queue.advance(
                        self.holder, cursor, self._until(), unread, self._settings.window
                    ):
                        return False
                    unread, progress = [], Progress(cursor)
                try:
                    await self._mail_about(event)
                except DeliveryFailed as error:
                    await self._failed(progress, event, error)
                    return False
                progress = Progress(event.id)
                if not await self._queue.advance(self.holder, event.id, self._until()):
                    return False
            cursor = event.id
        if cursor != progress.cursor or unread:
            await self._queue.advance(
                self.holder, cursor, self._until(), unread, self._settings.window
            )
        return bool(events)

    async def _failed(self, progress: Progress, event: StoredEvent, error: DeliveryFailed) -> None:
        now = self._clock.now()
        backoff = self._settings.backoff
        failed = backoff.failed(progress, error.message, now)
        if backoff.gives_up(failed, now):
            log.warning("mail about event %d given up: %s", event.id, error)
            failed = Progress(event.id)  # the next read starts after it
        else:
            log.info("mail failed, tried again later: %s", error)
        await self._queue.record(self.holder, failed, self._until())

    async def _mail_about(self, event: StoredEvent) -> None:
        parties = _parties(event)
        if parties is None:
            return
        mentoring_id, mentor_id, mentee_id = parties
        people = await self._people((mentor_id, mentee_id))
        mentor, mentee = people.get(mentor_id), people.get(mentee_id)
        if mentor is None or mentee is None:
            return
        if event.name == REQUESTED:
            if await self._wants_mail(mentor):
                await self._mailer.send(request_mail(mentor, mentee, mentoring_id))
        elif await self._wants_mail(mentee):
            await self._mailer.send(answer_mail(mentee, mentor, mentoring_id, ANSWERS[event.name]))

    async def _send_digests(self) -> bool:
        due = await self._queue.due(self._clock.now(), BATCH)
        for digest in due:
            people = await self._people((digest.user_id, digest.sender_id))
            reader, sender = people.get(digest.user_id), people.get(digest.sender_id)
            if reader is not None and sender is not None and await self._wants_mail(reader):
                try:
                    await self._mailer.send(digest_mail(reader, sender, digest))
                except DeliveryFailed as error:
                    log.info("digest mail failed, tried again later: %s", error)
                    return False
            if not await self._queue.sent(self.holder, digest, self._until()):
                return False
        return bool(due)

    async def _people(self, user_ids: Sequence[UserId]) -> dict[UserId, User]:
        async with self._uow(write=False) as tx:
            return await tx.users.get_many(user_ids)

    async def _wants_mail(self, user: User) -> bool:
        if not user.email or not user.is_active:
            return False
        async with self._uow(write=False) as tx:
            found = await tx.profiles.get(user.id)
        return found is not None and found[0].email_notifications


# A payload this release cannot read is logged and passed over: one event must not stop
# every mail after it.
_UNREADABLE = (ValueError, KeyError, TypeError)


def _parties(event: StoredEvent) -> tuple[int, UserId, UserId] | None:
    """(mentoring id, mentor, mentee) of a mentoring event."""
    try:
        shown = json.loads(event.payload)["mentoring"]
        return int(shown["id"]), UserId(int(shown["mentor_id"])), UserId(int(shown["mentee_id"]))
    except _UNREADABLE:
        log.error("event %d: unreadable payload, no mail", event.id)
        return None


def _unread_of(event: StoredEvent) -> list[UnreadMessage]:
    """The unread message a posted message is for each participant but its sender."""
    try:
        sender = UserId(int(json.loads(event.payload)["message"]["sender_id"]))
    except _UNREADABLE:
        log.error("event %d: unreadable payload, not counted", event.id)
        return []
    mentoring_id = event.mentoring_id
    if mentoring_id is None:
        return []
    return [
        UnreadMessage(reader, mentoring_id, sender, event.occurred_at)
        for reader in event.recipients
        if reader != sender
    ]
