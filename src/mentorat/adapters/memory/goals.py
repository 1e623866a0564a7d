"""The memory adapter of the `Goals` port."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from mentorat.adapters.memory.store import InMemoryStore, Undo, copy_goal
from mentorat.domain.errors import ConcurrentUpdate
from mentorat.domain.events import MentoringId
from mentorat.domain.goals import Goal, GoalId, NewGoal


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
