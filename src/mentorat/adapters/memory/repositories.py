"""In-memory repositories and unit of work, with real transactions (all or nothing).

Transactions run one at a time (an asyncio lock), so each sees a consistent store; changes are
applied as they happen and undone in reverse order when the block ends without `commit()`.
Entities cross the boundary as copies: changing a loaded object changes nothing until `save`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import TypeVar

from mentorat.application.errors import IdempotencyKeyInFlight
from mentorat.application.idempotency import (
    PRUNE_BATCH,
    RETENTION,
    IdempotencyRecord,
    replay_of,
)
from mentorat.application.ports import ChatRead, MentoringWithPeople, Transaction
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
    InvalidToken,
    OpenMentoringExists,
    UsernameTaken,
)
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import Mentoring, NewMentoring, Role, Status
from mentorat.domain.users import NewUser, User, UserId, username_key


@dataclass
class InMemoryStore:
    """Everything the memory adapters keep; share one between units of work to share data."""

    users: dict[UserId, User] = field(default_factory=dict)
    usernames: dict[str, UserId] = field(default_factory=dict)
    mentorings: dict[MentoringId, Mentoring] = field(default_factory=dict)
    messages: dict[MentoringId, list[Message]] = field(default_factory=dict)
    # Both oldest first, as long as the clock only moves forward: pruning reads the front.
    idempotency: dict[tuple[UserId, str], IdempotencyRecord] = field(default_factory=dict)
    used_refresh_tokens: dict[str, datetime] = field(default_factory=dict)
    last_ids: dict[str, int] = field(default_factory=lambda: {"user": 0, "mentoring": 0, "msg": 0})
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def next_id(self, kind: str) -> int:
        # Like a database sequence: an id is never handed out twice, even after a rollback.
        self.last_ids[kind] += 1
        return self.last_ids[kind]


def _copy_user(user: User) -> User:
    return dataclasses.replace(user)


def _copy_mentoring(mentoring: Mentoring) -> Mentoring:
    return dataclasses.replace(mentoring, events=[])


Undo = list[Callable[[], None]]


class InMemoryUsers:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def add(self, new: NewUser) -> User:
        key = username_key(new.username)
        if key in self._store.usernames:
            raise UsernameTaken()
        user = User.from_new(UserId(self._store.next_id("user")), new)
        self._store.users[user.id] = _copy_user(user)
        self._store.usernames[key] = user.id
        self._undo.append(lambda: self._forget(user.id, key))
        return user

    def _forget(self, user_id: UserId, key: str) -> None:
        del self._store.users[user_id]
        del self._store.usernames[key]

    async def get(self, user_id: UserId) -> User | None:
        user = self._store.users.get(user_id)
        return None if user is None else _copy_user(user)

    async def get_by_username(self, username: str) -> User | None:
        user_id = self._store.usernames.get(username_key(username))
        return None if user_id is None else await self.get(user_id)

    async def get_many(self, user_ids: Sequence[UserId]) -> dict[UserId, User]:
        users = self._store.users
        return {i: _copy_user(users[i]) for i in set(user_ids) if i in users}

    async def save(self, user: User) -> None:
        before = self._store.users[user.id]
        self._store.users[user.id] = _copy_user(user)
        self._undo.append(lambda: self._store.users.__setitem__(user.id, before))


class InMemoryMentorings:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def add(self, new: NewMentoring) -> Mentoring:
        if await self.has_open_between(new.mentor_id, new.mentee_id):
            raise OpenMentoringExists()
        mentoring = Mentoring.from_new(MentoringId(self._store.next_id("mentoring")), new)
        self._store.mentorings[mentoring.id] = _copy_mentoring(mentoring)
        self._undo.append(lambda: self._store.mentorings.__delitem__(mentoring.id))
        return mentoring

    async def get(self, mentoring_id: MentoringId, *, for_update: bool = False) -> Mentoring | None:
        # Transactions are serialized, so every read already holds what it reads.
        found = self._store.mentorings.get(mentoring_id)
        return None if found is None else _copy_mentoring(found)

    async def save(self, mentoring: Mentoring) -> None:
        before = self._store.mentorings.get(mentoring.id)
        if before is None or before.version != mentoring.version:
            raise ConcurrentUpdate()
        mentoring.version += 1
        saved = _copy_mentoring(mentoring)
        # The chat's counters are the posts' to move (`InMemoryMessages.add`), never a copy's.
        saved.message_count, saved.last_message_at = before.message_count, before.last_message_at
        self._store.mentorings[mentoring.id] = saved
        self._undo.append(lambda: self._store.mentorings.__setitem__(mentoring.id, before))

    async def has_open_between(self, mentor_id: UserId, mentee_id: UserId) -> bool:
        return any(
            m.mentor_id == mentor_id and m.mentee_id == mentee_id and m.status.is_open
            for m in self._store.mentorings.values()
        )

    def _of(self, user_id: UserId, role: Role | None = None) -> list[Mentoring]:
        # `==`, not `is`: a plain "mentor" or "pending" string must filter like the enum member.
        def takes_part(m: Mentoring) -> bool:
            if role == Role.MENTOR:
                return m.mentor_id == user_id
            if role == Role.MENTEE:
                return m.mentee_id == user_id
            return m.involves(user_id)

        return [
            _copy_mentoring(m) for _, m in sorted(self._store.mentorings.items()) if takes_part(m)
        ]

    async def list_for(
        self, user_id: UserId, *, status: Status | None = None, role: Role | None = None
    ) -> list[Mentoring]:
        return [m for m in self._of(user_id, role) if status is None or m.status == status]

    async def list_accepted_for(self, user_id: UserId) -> list[Mentoring]:
        return [m for m in self._of(user_id) if m.is_accepted]

    async def list_accepted_with_people(self, user_id: UserId) -> list[MentoringWithPeople]:
        users = self._store.users
        return [
            MentoringWithPeople(m, _copy_user(users[m.mentee_id]), _copy_user(users[m.mentor_id]))
            for m in await self.list_accepted_for(user_id)
        ]


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
        counted = _copy_mentoring(before)
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
        return message

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
        mentoring = _copy_mentoring(found)
        page = await self.page(mentoring_id, request) if mentoring.involves(reader) else None
        return ChatRead(mentoring, page)


K = TypeVar("K")
V = TypeVar("V")


def _change(table: dict[K, V], key: K, value: V | None, undo: Undo, *, move: bool = True) -> None:
    """Set `table[key]` to `value` (None deletes it), undoably.

    With `move`, the entry goes to the end of the table's order, which is then oldest first.
    """
    before = table.get(key)
    if value is None or move:
        table.pop(key, None)
    if value is not None:
        table[key] = value

    def restore() -> None:
        table.pop(key, None)
        if before is not None:
            table[key] = before

    undo.append(restore)


def _prune(table: dict[K, V], expired: Callable[[V], bool], undo: Undo) -> None:
    """Delete the expired entries among the oldest PRUNE_BATCH: bounded work per call."""
    for key in [k for k, v in islice(table.items(), PRUNE_BATCH) if expired(v)]:
        _change(table, key, None, undo)


class InMemoryIdempotencyKeys:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def claim(
        self, caller_id: UserId, key: str, fingerprint: str, now: datetime, lease: timedelta
    ) -> int | None:
        if caller_id not in self._store.users:
            # As the SQL stores' foreign key: a claim belongs to someone who exists.
            raise InvalidToken("User not found or inactive.")
        records = self._store.idempotency
        found = records.get((caller_id, key))
        if found is not None:
            replay = replay_of(found, fingerprint, now, lease)
            if replay is not None:
                return replay
        _change(records, (caller_id, key), IdempotencyRecord(fingerprint, now, None), self._undo)
        oldest_kept = now - RETENTION
        _prune(records, lambda r: r.created_at <= oldest_kept, self._undo)
        return None

    def _held(self, caller_id: UserId, key: str, claimed_at: datetime) -> IdempotencyRecord | None:
        record = self._store.idempotency.get((caller_id, key))
        if record is None or record.resource_id is not None or record.created_at != claimed_at:
            return None
        return record

    async def complete(
        self, caller_id: UserId, key: str, resource_id: int, *, claimed_at: datetime
    ) -> None:
        record = self._held(caller_id, key, claimed_at)
        if record is None:
            raise IdempotencyKeyInFlight()
        done = dataclasses.replace(record, resource_id=resource_id)
        _change(self._store.idempotency, (caller_id, key), done, self._undo, move=False)

    async def release(self, caller_id: UserId, key: str, *, claimed_at: datetime) -> None:
        if self._held(caller_id, key, claimed_at) is not None:
            _change(self._store.idempotency, (caller_id, key), None, self._undo)


class InMemoryUsedRefreshTokens:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def use(self, jti: str, expires_at: datetime, now: datetime) -> bool:
        used = self._store.used_refresh_tokens
        if jti in used:
            return False
        _change(used, jti, expires_at, self._undo)
        _prune(used, lambda exp: exp <= now, self._undo)
        return True


class InMemoryTransaction:
    def __init__(self, store: InMemoryStore) -> None:
        self.undo: Undo = []
        self.committed = False
        self.users = InMemoryUsers(store, self.undo)
        self.mentorings = InMemoryMentorings(store, self.undo)
        self.messages = InMemoryMessages(store, self.undo)
        self.idempotency = InMemoryIdempotencyKeys(store, self.undo)
        self.used_refresh_tokens = InMemoryUsedRefreshTokens(store, self.undo)

    async def commit(self) -> None:
        self.committed = True
        self.undo.clear()

    def rollback(self) -> None:
        while self.undo:
            self.undo.pop()()


class InMemoryUnitOfWork:
    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store if store is not None else InMemoryStore()

    async def ping(self) -> None:
        return None

    @asynccontextmanager
    async def __call__(self, *, write: bool = True) -> AsyncIterator[Transaction]:
        async with self.store.lock:
            tx = InMemoryTransaction(self.store)
            try:
                yield tx
            finally:
                # Changes made after the last commit are dropped, as in a database.
                tx.rollback()
