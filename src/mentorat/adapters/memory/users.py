"""The memory adapter of the `Users` port."""

from __future__ import annotations

from collections.abc import Sequence

from mentorat.adapters.memory.store import InMemoryStore, Undo, copy_user
from mentorat.domain.errors import UsernameTaken
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
