"""Ports for the people: users, their profiles, and the mentor directory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from mentorat.domain.directory import DirectoryPage, DirectoryQuery, MentorCard
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
