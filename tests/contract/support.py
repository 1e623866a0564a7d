"""Helpers of the contract tests: people, requests and posts made through the ports alone."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from mentorat.application.ports import Transaction, UnitOfWork
from mentorat.domain.chat import Message, NewMessage, PageRequest
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Mentoring, NewMentoring
from mentorat.domain.users import NewUser, User, UserId

T0 = datetime(2025, 4, 11, 12, 58, 43, 959579, tzinfo=UTC)
START, END = date(2025, 1, 1), date(2025, 12, 31)


def a_new_user(username: str, *, mentor: bool = False, phone: str | None = None) -> NewUser:
    return NewUser(
        username=username,
        email=f"{username.lower()}@example.com",
        password_hash="$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        first_name="Ada é",
        last_name="Lovelace 🙂",
        is_mentor=mentor,
        phone_number=phone,
        joined_at=T0,
    )


def a_request(mentor: User, mentee: User, *, at: datetime = T0) -> NewMentoring:
    return NewMentoring(mentor.id, mentee.id, START, END, at)


async def people(uow: UnitOfWork, *names: str) -> list[User]:
    """Users named `names`; a name starting with "m" is a mentor."""
    async with uow() as tx:
        found = [await tx.users.add(a_new_user(n, mentor=n.startswith("m"))) for n in names]
        await tx.commit()
    return found


async def requested(uow: UnitOfWork, mentor: User, mentee: User) -> Mentoring:
    async with uow() as tx:
        mentoring = await tx.mentorings.add(a_request(mentor, mentee))
        await tx.commit()
    return mentoring


async def as_stored(uow: UnitOfWork, mentoring_id: MentoringId) -> Mentoring:
    """The mentoring as the store holds it now."""
    async with uow(write=False) as tx:
        found = await tx.mentorings.get(mentoring_id)
    assert found is not None
    return found


async def stored_chat(
    uow: UnitOfWork, mentoring_id: MentoringId
) -> tuple[Mentoring, list[Message]]:
    """The mentoring as the store holds it now, and the newest page of its chat."""
    async with uow(write=False) as tx:
        found = await tx.mentorings.get(mentoring_id)
        page = await tx.messages.page(mentoring_id, PageRequest())
    assert found is not None
    return found, list(page.messages)


async def changed(uow: UnitOfWork, mentoring_id: MentoringId, change: str, by: UserId) -> Mentoring:
    """Load, apply a transition ("accept", "reject", "cancel", "complete"), save, commit."""
    async with uow() as tx:
        mentoring = await tx.mentorings.get(mentoring_id, for_update=True)
        assert mentoring is not None
        at = mentoring.updated_at + timedelta(minutes=1)
        if change in ("accept", "reject"):
            mentoring.respond(by=by, accept=change == "accept", at=at)
        elif change == "cancel":
            mentoring.cancel(by=by, at=at)
        else:
            mentoring.complete(by=by, at=at)
        await tx.mentorings.save(mentoring)
        await tx.commit()
    return mentoring


async def post(tx: Transaction, mentoring: Mentoring, by: User, text: str, at: datetime) -> Message:
    """A message stored and counted, decided on `mentoring` as it is stored."""
    return await tx.messages.add(NewMessage(mentoring.id, by.id, text, at), mentoring)


class Composer:
    """A `compose` that records the mentorings it is given."""

    def __init__(self, by: User, text: str, at: timedelta = timedelta()) -> None:
        self.by, self.text, self.at = by, text, T0 + at
        self.seen: list[Mentoring] = []

    def __call__(self, mentoring: Mentoring) -> NewMessage:
        self.seen.append(dataclasses.replace(mentoring))
        return NewMessage(mentoring.id, self.by.id, self.text, self.at)
