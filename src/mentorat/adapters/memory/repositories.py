"""The memory adapters of the `Users`, `Mentorings`, `Messages` and `Goals` ports."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from mentorat.adapters.memory.store import (
    InMemoryStore,
    Undo,
    copy_goal,
    copy_mentoring,
    copy_user,
)
from mentorat.application.ports import ChatRead, MentoringWithPeople, ReadMark
from mentorat.domain.chat import (
    Message,
    MessagePage,
    NewMessage,
    PageRequest,
    chat_time,
    paginate,
)
from mentorat.domain.errors import (
    ConcurrentUpdate,
    OpenMentoringExists,
    UsernameTaken,
)
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.goals import Goal, GoalId, GoalTally, NewGoal
from mentorat.domain.mentoring import Mentoring, NewMentoring, Role, Status
from mentorat.domain.profiles import MentorStanding, Profile
from mentorat.domain.users import NewUser, User, UserId, username_key


class InMemoryUsers:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def add(self, new: NewUser) -> User:
        key = username_key(new.username)
        if key in self._store.usernames:
            raise UsernameTaken()
        user = User.from_new(UserId(self._store.next_id("user")), new)
        self._store.users[user.id] = copy_user(user)
        self._store.usernames[key] = user.id
        self._store.profiles[user.id] = Profile(user.id)
        self._store.standings[user.id] = MentorStanding()
        self._undo.append(lambda: self._forget(user.id, key))
        return user

    def _forget(self, user_id: UserId, key: str) -> None:
        del self._store.users[user_id]
        del self._store.usernames[key]
        del self._store.profiles[user_id]
        del self._store.standings[user_id]

    async def get(self, user_id: UserId, *, for_update: bool = False) -> User | None:
        user = self._store.users.get(user_id)
        return None if user is None else copy_user(user)

    async def get_by_username(self, username: str, *, for_update: bool = False) -> User | None:
        user_id = self._store.usernames.get(username_key(username))
        return None if user_id is None else await self.get(user_id)

    async def get_many(self, user_ids: Sequence[UserId]) -> dict[UserId, User]:
        users = self._store.users
        return {i: copy_user(users[i]) for i in set(user_ids) if i in users}

    async def save(self, user: User) -> None:
        before = self._store.users[user.id]
        self._store.users[user.id] = copy_user(user)
        self._undo.append(lambda: self._store.users.__setitem__(user.id, before))
        old_key, new_key = username_key(before.username), username_key(user.username)
        if old_key != new_key:  # an erasure renames the account
            if new_key in self._store.usernames:
                raise UsernameTaken()
            names = self._store.usernames
            del names[old_key]
            names[new_key] = user.id
            user_id = user.id

            def rename_back() -> None:
                del names[new_key]
                names[old_key] = user_id

            self._undo.append(rename_back)

    async def add_existing(self, users: Sequence[User]) -> None:
        ids = self._store.last_ids
        before = ids["user"]
        added = [(user.id, username_key(user.username)) for user in users]
        for user in users:
            self._store.users[user.id] = copy_user(user)
            self._store.usernames[username_key(user.username)] = user.id
            self._store.profiles[user.id] = Profile(user.id)
            self._store.standings[user.id] = MentorStanding()

        def forget_them() -> None:
            for user_id, key in added:
                self._forget(user_id, key)

        self._undo.append(forget_them)
        ids["user"] = max([before, *(user.id for user in users)])
        self._undo.append(lambda: ids.__setitem__("user", before))

    async def search(
        self, text: str = "", *, after: UserId | None = None, limit: int | None = None
    ) -> list[User]:
        folded = text.lower()
        found = [
            copy_user(user)
            for user_id, user in sorted(self._store.users.items())
            if user_id > (after or 0)
            and (
                not folded
                or folded in username_key(user.username)
                or any(folded in value.lower() for value in _searched(user))
            )
        ]
        return found if limit is None else found[:limit]


def _searched(user: User) -> tuple[str, ...]:
    return (user.email, user.first_name, user.last_name)


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


class InMemoryMessages:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def add(self, new: NewMessage, decided_on: Mentoring) -> Message:
        before = self._store.mentorings.get(decided_on.id)
        if before is None or (before.status, before.mentor_id, before.mentee_id) != (
            decided_on.status,
            decided_on.mentor_id,
            decided_on.mentee_id,
        ):
            raise ConcurrentUpdate()
        at = chat_time(before.last_message_at, new.created_at)
        counted = copy_mentoring(before)
        counted.message_count += 1
        counted.last_message_at = at
        self._store.mentorings[counted.id] = counted
        self._undo.append(lambda: self._store.mentorings.__setitem__(counted.id, before))
        message = Message(
            MessageId(self._store.next_id("msg")), new.mentoring_id, new.sender_id, new.text, at
        )
        chat = self._store.messages.setdefault(new.mentoring_id, [])
        chat.append(message)
        self._undo.append(lambda: self._forget(message))
        self._read_up_to(message, counted.message_count)
        return message

    def _read_up_to(self, message: Message, read_count: int) -> None:
        """The sender has read the chat up to their message."""
        key = (message.mentoring_id, message.sender_id)
        reads = self._store.chat_reads
        before = reads.get(key)
        if before is not None and before[0] >= message.id:
            return
        reads[key] = (message.id, read_count)

        def undo() -> None:
            if before is None:
                del reads[key]
            else:
                reads[key] = before

        self._undo.append(undo)

    async def mark_read(
        self, mentoring_id: MentoringId, reader: UserId, up_to: MessageId
    ) -> ReadMark:
        mentoring = self._store.mentorings.get(mentoring_id)
        total = 0 if mentoring is None else mentoring.message_count
        chat = self._store.messages.get(mentoring_id, [])
        marker = max((m.id for m in chat if m.id <= up_to), default=0)
        key = (mentoring_id, reader)
        before = self._store.chat_reads.get(key)
        if before is not None and before[0] >= marker:
            return ReadMark(MessageId(before[0]), total - before[1])
        read_count = total - sum(1 for m in chat if m.id > marker)
        reads = self._store.chat_reads
        reads[key] = (marker, read_count)

        def undo() -> None:
            if before is None:
                del reads[key]
            else:
                reads[key] = before

        self._undo.append(undo)
        return ReadMark(MessageId(marker), total - read_count, moved=True)

    def _forget(self, message: Message) -> None:
        chat = self._store.messages[message.mentoring_id]
        chat.remove(message)
        if not chat:
            # A rollback leaves the store as it was, without an empty chat behind.
            del self._store.messages[message.mentoring_id]

    async def get(self, message_id: MessageId) -> Message | None:
        return next(
            (m for chat in self._store.messages.values() for m in chat if m.id == message_id),
            None,
        )

    async def page(self, mentoring_id: MentoringId, request: PageRequest) -> MessagePage:
        return paginate(self._store.messages.get(mentoring_id, []), request)

    async def read_chat(
        self, mentoring_id: MentoringId, reader: UserId, request: PageRequest
    ) -> ChatRead | None:
        found = self._store.mentorings.get(mentoring_id)
        if found is None:
            return None
        mentoring = copy_mentoring(found)
        page = await self.page(mentoring_id, request) if mentoring.involves(reader) else None
        return ChatRead(mentoring, page)


class InMemoryGoals:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def add(self, new: NewGoal) -> Goal:
        goal = Goal.from_new(GoalId(self._store.next_id("goal")), new)
        self._store.goals[goal.id] = copy_goal(goal)
        self._undo.append(lambda: self._store.goals.__delitem__(goal.id))
        return goal

    async def get(self, goal_id: GoalId) -> Goal | None:
        found = self._store.goals.get(goal_id)
        return None if found is None else copy_goal(found)

    def _of(self, mentoring_id: MentoringId) -> list[Goal]:
        return sorted(
            (g for g in self._store.goals.values() if g.mentoring_id == mentoring_id),
            key=lambda g: (g.position, g.id),
        )

    async def count(self, mentoring_id: MentoringId) -> int:
        return len(self._of(mentoring_id))

    async def list_for(self, mentoring_id: MentoringId) -> list[Goal]:
        return [copy_goal(g) for g in self._of(mentoring_id)]

    def _put(self, goal: Goal) -> None:
        """Store `goal` as it is, undoably (the goal must exist)."""
        before = self._store.goals[goal.id]
        self._store.goals[goal.id] = goal
        self._undo.append(lambda: self._store.goals.__setitem__(goal.id, before))

    async def save(self, goal: Goal) -> None:
        before = self._store.goals.get(goal.id)
        if before is None:
            raise ConcurrentUpdate()
        # As in SQL: an edit never moves a goal; positions are `reorder`'s and `delete`'s.
        self._put(dataclasses.replace(goal, position=before.position))

    async def delete(self, goal: Goal) -> None:
        before = self._store.goals.get(goal.id)
        if before is None:
            return
        del self._store.goals[goal.id]
        self._undo.append(lambda: self._store.goals.__setitem__(goal.id, before))
        for later in self._of(before.mentoring_id):
            if later.position > before.position:
                self._put(dataclasses.replace(later, position=later.position - 1))

    async def reorder(self, goals: Sequence[Goal]) -> None:
        for goal in goals:
            stored = self._store.goals.get(goal.id)
            if stored is not None and stored.mentoring_id == goal.mentoring_id:
                self._put(dataclasses.replace(stored, position=goal.position))
