"""Goals in SQL: `application.ports.Goals` on the `goals` table.

A mentoring's goals are a range of the `(mentoring_id, position)` index, read in its order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import Integer, bindparam, delete, func, insert, select, update

from mentorat.adapters.sql.mapping import (
    GOAL_COLUMNS,
    GOAL_EDITED_FIELDS,
    GOAL_INSERTED,
    bound,
    goal_from_row,
    goal_values,
    new_goal_values,
)
from mentorat.adapters.sql.statements import Runner, Statement
from mentorat.adapters.sql.tables import Id, goals
from mentorat.domain.errors import ConcurrentUpdate
from mentorat.domain.events import MentoringId
from mentorat.domain.goals import Goal, GoalId, NewGoal

_MENTORING: Final = bindparam("m", type_=Id)

_INSERT: Final = Statement(insert(goals).values(bound(goals, GOAL_INSERTED)).returning(goals.c.id))
_BY_ID: Final = Statement(select(*GOAL_COLUMNS).where(goals.c.id == bindparam("id", type_=Id)))
_OF_MENTORING: Final = Statement(
    select(*GOAL_COLUMNS)
    .where(goals.c.mentoring_id == _MENTORING)
    .order_by(goals.c.position, goals.c.id)
)
_COUNT: Final = Statement(
    select(func.count()).select_from(goals).where(goals.c.mentoring_id == _MENTORING)
)
_UPDATE: Final = Statement(
    update(goals)
    .where(goals.c.id == bindparam("b_id", type_=Id))
    .values(bound(goals, GOAL_EDITED_FIELDS, "b_"))
)
# The stored place of the deleted goal, whose gap the next statement closes.
_DELETE: Final = Statement(
    delete(goals)
    .where(goals.c.id == bindparam("id", type_=Id))
    .returning(goals.c.mentoring_id, goals.c.position)
)
_CLOSE_GAP: Final = Statement(
    update(goals)
    .where(goals.c.mentoring_id == _MENTORING, goals.c.position > bindparam("p", type_=Integer))
    .values(position=goals.c.position - 1)
)
_PLACE: Final = Statement(
    update(goals)
    .where(
        goals.c.id == bindparam("b_id", type_=Id),
        goals.c.mentoring_id == bindparam("b_mentoring_id", type_=Id),
    )
    .values(position=bindparam("b_position", type_=Integer))
)


class SqlGoals:
    __slots__ = ("_run",)

    def __init__(self, run: Runner) -> None:
        self._run = run

    async def add(self, new: NewGoal) -> Goal:
        row = await self._run.first(_INSERT, new_goal_values(new))
        assert row is not None  # INSERT ... RETURNING
        return Goal.from_new(GoalId(row[0]), new)

    async def get(self, goal_id: GoalId) -> Goal | None:
        row = await self._run.first(_BY_ID, {"id": goal_id})
        return None if row is None else goal_from_row(row)

    async def count(self, mentoring_id: MentoringId) -> int:
        row = await self._run.first(_COUNT, {"m": mentoring_id})
        assert row is not None  # an aggregate always answers one row
        return int(row[0])

    async def list_for(self, mentoring_id: MentoringId) -> list[Goal]:
        rows = await self._run.rows(_OF_MENTORING, {"m": mentoring_id})
        return [goal_from_row(row) for row in rows]

    async def save(self, goal: Goal) -> None:
        saved = {**goal_values(goal, GOAL_EDITED_FIELDS, "b_"), "b_id": goal.id}
        if await self._run.execute(_UPDATE, saved) != 1:
            raise ConcurrentUpdate()

    async def delete(self, goal: Goal) -> None:
        deleted = await self._run.first(_DELETE, {"id": goal.id})
        if deleted is not None:
            mentoring_id, position = deleted
            await self._run.execute(_CLOSE_GAP, {"m": mentoring_id, "p": position})

    async def reorder(self, goals: Sequence[Goal]) -> None:
        if goals:
            placed = [
                {"b_id": g.id, "b_mentoring_id": g.mentoring_id, "b_position": g.position}
                for g in goals
            ]
            await self._run.execute_many(_PLACE, placed)
