"""Each person's data: all of it as one document (GDPR articles 15 and 20), or erased
(article 17). A person does both for themself (erasure proves the password); an administrator
for anyone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mentorat.application.actors import COMMAND_LINE, Actor
from mentorat.application.change_mentoring import change_in
from mentorat.application.identify_caller import RecentCallers
from mentorat.application.ports import (
    Clock,
    EventPublisher,
    PasswordHasher,
    StoredEvent,
    UnitOfWork,
)
from mentorat.application.views import (
    AccountView,
    GoalView,
    MentoringView,
    MessageView,
    ProfileView,
)
from mentorat.domain.audit import AuditAction, AuditEntry, NewAuditEntry
from mentorat.domain.errors import UserNotFound, WrongPassword
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL, Mentoring, Status
from mentorat.domain.profiles import Profile
from mentorat.domain.users import ERASED_MESSAGE, UserId


@dataclass(frozen=True, slots=True)
class PersonalExport:
    """Everything the service holds about one person, the outbox's events addressed to them
    included (those within the event retention: older ones are pruned)."""

    account: AccountView
    profile: ProfileView
    mentorings: list[MentoringView]
    messages: list[MessageView]
    goals: list[GoalView]
    audit: list[AuditEntry]
    events: list[StoredEvent]
    exported_at: datetime


# Events are read from the outbox a page at a time.
EVENTS_PAGE = 500


class ExportPersonalData:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, subject_id: UserId, actor: Actor = COMMAND_LINE) -> PersonalExport:
        now = self._clock.now()
        async with self._uow() as tx:
            found = await tx.profiles.get_with_owner(subject_id)
            if found is None:
                raise UserNotFound()
            user, profile, standing = found
            mentorings = await tx.mentorings.list_for(subject_id)
            messages = await tx.personal_data.messages_sent_by(subject_id)
            goals = await tx.personal_data.goals_of(subject_id)
            audit = await tx.audit.page(subject_id=subject_id)
            events: list[StoredEvent] = []
            while page := await tx.outbox.after(
                events[-1].id if events else 0, limit=EVENTS_PAGE, recipient=subject_id
            ):
                events += page
            await tx.audit.record(
                NewAuditEntry(
                    AuditAction.DATA_EXPORTED,
                    now,
                    actor_id=actor.user_id,
                    subject_id=subject_id,
                    address=actor.address,
                )
            )
            await tx.commit()
        return PersonalExport(
            account=AccountView.of(user),
            profile=ProfileView.of(user, profile, standing),
            mentorings=[MentoringView.of(m) for m in mentorings],
            messages=[MessageView.of(m) for m in messages],
            goals=[GoalView.of(g) for g in goals],
            audit=audit,
            events=events,
            exported_at=now,
        )


@dataclass(frozen=True, slots=True)
class EraseCommand:
    """`password`: the person's own, when they erase themself; None when an administrator
    (`actor`) does it."""

    subject_id: UserId
    password: str | None = None
    actor: Actor = COMMAND_LINE


class ErasePerson:
    """Erase a person: their details and credentials are overwritten (`User.erase`), their
    profile emptied, the text of their messages replaced by `ERASED_MESSAGE`, and their open
    mentorings ended (a pending request they made withdrawn, one made to them refused, an
    active one cancelled), which notifies the other participant through the published
    events. The account's id stays, so the others' histories keep their shape. Erasing an
    erased person again changes nothing more."""

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        clock: Clock,
        events: EventPublisher,
        recent: RecentCallers | None = None,
        request_ttl: timedelta = DEFAULT_REQUEST_TTL,
    ) -> None:
        self._uow, self._hasher, self._clock, self._events = uow, hasher, clock, events
        self._recent, self._ttl = recent, request_ttl

    async def __call__(self, cmd: EraseCommand) -> None:
        if cmd.password is not None:
            async with self._uow(write=False) as tx:
                user = await tx.users.get(cmd.subject_id)
            if user is None:
                raise UserNotFound()
            if not await self._hasher.verify(user.password_hash, cmd.password):
                raise WrongPassword("password")
        now = self._clock.now()
        ended: list[Mentoring] = []
        async with self._uow() as tx:
            user = await tx.users.get(cmd.subject_id, for_update=True)
            if user is None:
                raise UserNotFound()
            who = user.id

            def end(mentoring: Mentoring) -> None:
                mentoring.expire_if_due(now, self._ttl)
                if mentoring.status is Status.PENDING:
                    if mentoring.mentor_id == who:
                        mentoring.respond(by=who, accept=False, at=now)
                    else:
                        mentoring.withdraw(by=who, at=now)
                elif mentoring.status is Status.ACTIVE:
                    mentoring.stop(by=who, at=now)

            for mentoring in await tx.mentorings.list_for(who):
                if mentoring.status.is_open:
                    ended.append(await change_in(tx, mentoring.id, end))
            username = user.username
            user.erase(now)
            await tx.users.save(user)
            await tx.profiles.save(Profile(who), user)
            await tx.personal_data.erase_traces(who, username, ERASED_MESSAGE)
            await tx.audit.record(
                NewAuditEntry(
                    AuditAction.USER_ERASED,
                    now,
                    actor_id=None if cmd.actor.user_id == who else cmd.actor.user_id,
                    subject_id=who,
                    address="" if cmd.actor.user_id == who else cmd.actor.address,
                )
            )
            await tx.commit()
        if self._recent is not None:
            self._recent.forget(who)
        for mentoring in ended:
            await self._events.publish(mentoring.pull_events())
