"""The memory adapter of the `Mentorings` port."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from mentorat.adapters.memory.goals import InMemoryGoals
from mentorat.adapters.memory.store import InMemoryStore, Undo, copy_mentoring, copy_user
from mentorat.application.ports import MentoringWithPeople
from mentorat.domain.errors import ConcurrentUpdate, OpenMentoringExists
from mentorat.domain.events import MentoringId
from mentorat.domain.goals import GoalTally
from mentorat.domain.mentoring import Mentoring, NewMentoring, Role, Status
from mentorat.domain.users import UserId


class InMemoryMentorings:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def add(self, new: NewMentoring) -> Mentoring:
        if await self.has_open_between(new.mentor_id, new.mentee_id):
            raise OpenMentoringExists()
        mentoring = Mentoring.from_new(MentoringId(self._store.next_id("mentoring")), new)
        self._store.mentorings[mentoring.id] = copy_mentoring(mentoring)
        self._undo.append(lambda: self._store.mentorings.__delitem__(mentoring.id))
        return mentoring

    async def get(self, mentoring_id: MentoringId, *, for_update: bool = False) -> Mentoring | None:
        # Transactions are serialized, so every read already holds what it reads.
        found = self._store.mentorings.get(mentoring_id)
        return None if found is None else copy_mentoring(found)

    async def save(self, mentoring: Mentoring) -> None:
        before = self._store.mentorings.get(mentoring.id)
        if before is None or before.version != mentoring.version:
            raise ConcurrentUpdate()
        mentoring.version += 1
        saved = copy_mentoring(mentoring)
        # The chat's counters are the posts' to move (`InMemoryMessages.add`), never a copy's.
        saved.message_count, saved.last_message_at = before.message_count, before.last_message_at
        self._store.mentorings[mentoring.id] = saved
        self._undo.append(lambda: self._store.mentorings.__setitem__(mentoring.id, before))

    async def has_open_between(self, mentor_id: UserId, mentee_id: UserId) -> bool:
        return any(
            m.mentor_id == mentor_id and m.mentee_id == mentee_id and m.status.is_open
            for m in self._store.mentorings.values()
        )

    def _of(
        self, user_id: UserId, role: Role | None = None, after: MentoringId | None = None
    ) -> list[Mentoring]:
        # `==`, not `is`: a plain "mentor" or "pending" string must filter like the enum member.
        def takes_part(m: Mentoring) -> bool:
            if role == Role.MENTOR:
                return m.mentor_id == user_id
            if role == Role.MENTEE:
                return m.mentee_id == user_id
            return m.involves(user_id)

        return [
            copy_mentoring(m)
            for i, m in sorted(self._store.mentorings.items())
            if (after is None or i > after) and takes_part(m)
        ]

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
        def status_of(m: Mentoring) -> Status:
            due = expired_before is not None and m.created_at <= expired_before
            return Status.EXPIRED if m.status is Status.PENDING and due else m.status

        found = [
            m for m in self._of(user_id, role, after) if status is None or status_of(m) == status
        ]
        return found[:limit]

    async def list_accepted_for(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[Mentoring]:
        return [m for m in self._of(user_id, after=after) if m.is_accepted][:limit]

    async def list_accepted_with_unread(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[tuple[Mentoring, int]]:
        return [
            (m, self._unread(m, user_id))
            for m in await self.list_accepted_for(user_id, after=after, limit=limit)
        ]

    def _unread(self, mentoring: Mentoring, user_id: UserId) -> int:
        mark = self._store.chat_reads.get((mentoring.id, user_id))
        return mentoring.message_count - (0 if mark is None else mark[1])

    async def list_accepted_with_people(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[MentoringWithPeople]:
        users = self._store.users
        goals = InMemoryGoals(self._store, self._undo)
        return [
            MentoringWithPeople(
                m,
                copy_user(users[m.mentee_id]),
                copy_user(users[m.mentor_id]),
                GoalTally.of(await goals.list_for(m.id)),
                self._unread(m, user_id),
            )
            for m in await self.list_accepted_for(user_id, after=after, limit=limit)
        ]

    async def answer_times(self, mentor_id: UserId, latest: int) -> list[timedelta]:
        answered = [
            m
            for _, m in sorted(self._store.mentorings.items(), reverse=True)
            if m.mentor_id == mentor_id and (m.is_accepted or m.status == Status.REJECTED)
        ]
        return [(m.accepted_at or m.updated_at) - m.created_at for m in answered[:latest]]

    async def expire_requested_before(
        self, cutoff: datetime, *, pair: tuple[UserId, UserId] | None = None
    ) -> list[MentoringId]:
        expired = []
        for mentoring_id, before in sorted(self._store.mentorings.items()):
            if before.status is not Status.PENDING or before.created_at > cutoff:
                continue
            if pair is not None and (before.mentor_id, before.mentee_id) != pair:
                continue
            after = copy_mentoring(before)
            after.status = Status.EXPIRED
            after.version += 1
            self._store.mentorings[mentoring_id] = after
            self._undo.append(partial(self._store.mentorings.__setitem__, mentoring_id, before))
            expired.append(mentoring_id)
        return expired
