"""The memory adapters of the `Profiles` and `MentorDirectory` ports.

The directory runs the reference rules of `domain.directory` over every mentor, which is what
the SQL stores must agree with (tests/contract).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta

from mentorat.adapters.memory.store import InMemoryStore, Undo, copy_user
from mentorat.domain.directory import (
    Cursor,
    DirectoryPage,
    DirectoryQuery,
    MentorCard,
    listed_after,
    matches,
    relevance,
    sort_key,
)
from mentorat.domain.errors import UserNotFound
from mentorat.domain.profiles import MentorStanding, Profile, SearchText
from mentorat.domain.users import User, UserId


class InMemoryProfiles:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def get(self, user_id: UserId) -> tuple[Profile, MentorStanding] | None:
        profile = self._store.profiles.get(user_id)
        if profile is None:
            return None
        return profile, self._store.standings[user_id]

    async def get_with_owner(
        self, user_id: UserId, *, for_update: bool = False
    ) -> tuple[User, Profile, MentorStanding] | None:
        # Transactions are serialized, so every read already holds what it reads.
        user = self._store.users.get(user_id)
        found = await self.get(user_id)
        if user is None or found is None:
            return None
        return copy_user(user), *found

    async def save(self, profile: Profile, owner: User) -> None:
        before = self._store.profiles.get(profile.user_id)
        if before is None:
            raise UserNotFound()
        self._store.profiles[profile.user_id] = profile
        self._undo.append(lambda: self._store.profiles.__setitem__(profile.user_id, before))

    async def take_place(self, mentor_id: UserId) -> bool:
        standing = self._store.standings[mentor_id]
        if standing.active_mentees >= self._store.profiles[mentor_id].capacity:
            return False
        self._set(
            mentor_id, dataclasses.replace(standing, active_mentees=standing.active_mentees + 1)
        )
        return True

    async def free_place(self, mentor_id: UserId) -> None:
        standing = self._store.standings[mentor_id]
        if standing.active_mentees > 0:
            self._set(
                mentor_id, dataclasses.replace(standing, active_mentees=standing.active_mentees - 1)
            )

    async def record_answer_time(self, mentor_id: UserId, answer_time: timedelta | None) -> None:
        standing = self._store.standings[mentor_id]
        # Whole seconds, as the SQL stores keep it.
        if answer_time is not None:
            answer_time = timedelta(seconds=int(answer_time.total_seconds()))
        self._set(mentor_id, dataclasses.replace(standing, answer_time=answer_time))

    def _set(self, mentor_id: UserId, standing: MentorStanding) -> None:
        before = self._store.standings[mentor_id]
        self._store.standings[mentor_id] = standing
        self._undo.append(lambda: self._store.standings.__setitem__(mentor_id, before))


class InMemoryMentorDirectory:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def _cards(self, terms: Sequence[str] = ()) -> list[MentorCard]:
        cards = []
        for user in self._store.users.values():
            if not (user.is_mentor and user.is_active):
                continue
            profile = self._store.profiles[user.id]
            words = SearchText.of(user, profile)
            if terms and not matches(words, terms):
                continue
            standing = self._store.standings[user.id]
            cards.append(
                MentorCard(
                    user_id=user.id,
                    username=user.username,
                    first_name=user.first_name,
                    last_name=user.last_name,
                    is_verified=user.is_verified,
                    profile=profile,
                    active_mentees=standing.active_mentees,
                    answer_time=standing.answer_time,
                    rank=relevance(words, terms),
                )
            )
        return cards

    async def search(self, query: DirectoryQuery) -> DirectoryPage:
        found = [
            card
            for card in self._cards(query.terms)
            if all(skill in card.profile.skills for skill in query.skills)
            and all(code in card.profile.languages for code in query.languages)
            and (query.available is None or card.available == query.available)
            and (query.after is None or listed_after(card, query.after))
        ]
        found.sort(key=sort_key)
        page = found[: query.limit]
        more = len(found) > query.limit
        return DirectoryPage(page, Cursor(page[-1].rank, page[-1].user_id) if more else None)

    async def candidates(
        self, mentee_id: UserId, wanted_skills: Sequence[str], limit: int
    ) -> list[MentorCard]:
        found = [c for c in self._cards() if c.available and c.user_id != mentee_id]
        found.sort(key=lambda c: (-sum(s in c.profile.skills for s in wanted_skills), c.user_id))
        return found[:limit]
