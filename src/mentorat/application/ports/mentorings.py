"""Ports for mentorings and their goals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from mentorat.domain.events import MentoringId
from mentorat.domain.goals import NO_GOALS, Goal, GoalId, GoalTally, NewGoal
from mentorat.domain.mentoring import Mentoring, NewMentoring, Role, Status
from mentorat.domain.users import User, UserId


@dataclass(frozen=True, slots=True)
class MentoringWithPeople:
    mentoring: Mentoring
    mentee: User
    mentor: User
    goals: GoalTally = NO_GOALS
    # How many of its messages come after the reader's read mark (all, without a mark).
    unread: int = 0


class Mentorings(Protocol):
    async def add(self, new: NewMentoring) -> Mentoring:
        """Store a new pending request; raises OpenMentoringExists when the pair has one."""

    async def get(self, mentoring_id: MentoringId, *, for_update: bool = False) -> Mentoring | None:
        """Load one mentoring; `for_update` holds it against concurrent writers until commit."""

    async def save(self, mentoring: Mentoring) -> None:
        """Write back a loaded mentoring; raises ConcurrentUpdate if it changed meanwhile."""

    async def has_open_between(self, mentor_id: UserId, mentee_id: UserId) -> bool: ...

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
        """Every mentoring the user takes part in (or in `role`), by id ascending.

        `status` filters on the status as of the expiry cutoff `expired_before`: a pending
        request created at or before it counts as expired (not as pending), whether or not its
        expiry was recorded. `after`: only ids greater than it; `limit`: at most that many.
        """

    async def list_accepted_for(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[Mentoring]:
        """Mentorings the user takes part in that have been active at some point, by id; with
        `after` and `limit` as in `list_for`."""

    async def list_accepted_with_unread(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[tuple[Mentoring, int]]:
        """As `list_accepted_for`, each with how many of its messages come after the user's
        read mark (`Messages.mark_read`; all of them without a mark), in the same read."""

    async def list_accepted_with_people(
        self, user_id: UserId, *, after: MentoringId | None = None, limit: int | None = None
    ) -> list[MentoringWithPeople]:
        """As `list_accepted_for`, with both participants, the tally of the mentoring's goals
        and the user's unread count (as `list_accepted_with_unread`) loaded in the same read."""

    async def answer_times(self, mentor_id: UserId, latest: int) -> list[timedelta]:
        """How long the mentor took to answer (accept or refuse) each of their `latest`
        answered requests: from its creation to its acceptance or refusal."""

    async def expire_requested_before(
        self, cutoff: datetime, *, pair: tuple[UserId, UserId] | None = None
    ) -> list[MentoringId]:
        """Record as expired every pending request created at or before `cutoff` (only that
        of the (mentor, mentee) `pair`, when given); the ids of those it expired, ascending.

        Each becomes `Status.EXPIRED` and its version moves on, as a save would; nothing else
        changes (see `Mentoring.expire_if_due`).
        """


class Goals(Protocol):
    """The goals of mentorings; a mentoring's goals are ordered by position, 1 to n."""

    async def add(self, new: NewGoal) -> Goal:
        """Store a new goal, at `new.position`."""

    async def get(self, goal_id: GoalId) -> Goal | None: ...

    async def count(self, mentoring_id: MentoringId) -> int:
        """How many goals the mentoring has."""

    async def list_for(self, mentoring_id: MentoringId) -> list[Goal]:
        """Every goal of the mentoring, by position."""

    async def save(self, goal: Goal) -> None:
        """Write back what an edit changes: title, due date, done, `updated_at`, `done_at`.

        The position is not written: only `reorder` and `delete` move goals.
        """

    async def delete(self, goal: Goal) -> None:
        """Delete the goal; the goals after it move up one place, so no gap is left."""

    async def reorder(self, goals: Sequence[Goal]) -> None:
        """Store the position of each of `goals`, which are all the goals of one mentoring."""
