"""The participants of a mentoring list, add, edit, reorder and delete its goals.

Every change takes the mentoring's lock first (`get(for_update=True)`), as a change of status
does: the status it checks cannot move before it commits, and changes to one mentoring's goals
run one after the other, so positions stay 1 to n and the count of goals stays under its limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from mentorat.application import outbox_events
from mentorat.application.idempotency import IdempotencyKey, WriteOnce
from mentorat.application.ports import Clock, Transaction, UnitOfWork
from mentorat.application.views import GoalView
from mentorat.domain.errors import GoalNotFound, MentoringNotFound
from mentorat.domain.events import MentoringId
from mentorat.domain.goals import (
    Goal,
    GoalEdit,
    GoalId,
    edit_goal,
    ensure_goals_open,
    goal_in,
    plan_goal,
    reorder_goals,
)
from mentorat.domain.mentoring import Mentoring
from mentorat.domain.users import UserId


async def _locked(tx: Transaction, mentoring_id: MentoringId) -> Mentoring:
    mentoring = await tx.mentorings.get(mentoring_id, for_update=True)
    if mentoring is None:
        raise MentoringNotFound()
    return mentoring


@dataclass(frozen=True, slots=True)
class ListGoalsQuery:
    mentoring_id: MentoringId
    caller_id: UserId


class ListGoals:
    """Either participant reads the goals, by position, whatever the mentoring's status."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, query: ListGoalsQuery) -> list[GoalView]:
        async with self._uow(write=False) as tx:
            mentoring = await tx.mentorings.get(query.mentoring_id)
            if mentoring is None:
                raise MentoringNotFound()
            mentoring.ensure_visible_to(query.caller_id)
            goals = await tx.goals.list_for(mentoring.id)
        return [GoalView.of(goal) for goal in goals]


@dataclass(frozen=True, slots=True)
class AddGoalCommand:
    """`idempotency_key`, when given, makes a retry with the same `fingerprint` (a digest of
    the request) answer with the goal the first request added instead of adding another."""

    mentoring_id: MentoringId
    caller_id: UserId
    title: str
    due_date: date | None = None
    idempotency_key: str | None = None
    fingerprint: str = ""


class AddGoal:
    """Either participant adds a goal to an active mentoring; it comes last."""

    def __init__(self, write_once: WriteOnce, clock: Clock) -> None:
        self._write_once, self._clock = write_once, clock

    async def __call__(self, cmd: AddGoalCommand) -> GoalView:
        key = None
        if cmd.idempotency_key is not None:
            key = IdempotencyKey(cmd.caller_id, cmd.idempotency_key, cmd.fingerprint)
        written = await self._write_once(key, lambda tx: self._add(tx, cmd), _find)
        # A replay answers with the goal as it is now: unlike a request for a mentoring, a
        # goal's first state cannot be told from its current one once it has been edited.
        return GoalView.of(written.entity)

    async def _add(self, tx: Transaction, cmd: AddGoalCommand) -> Goal:
        mentoring = await _locked(tx, cmd.mentoring_id)
        new = plan_goal(
            mentoring,
            by=cmd.caller_id,
            title=cmd.title,
            due_date=cmd.due_date,
            goal_count=await tx.goals.count(mentoring.id),
            at=self._clock.now(),
        )
        goal = await tx.goals.add(new)
        await tx.outbox.add(
            outbox_events.of_goals(
                outbox_events.GOAL_ADDED,
                mentoring,
                cmd.caller_id,
                goal.created_at,
                goal=outbox_events.goal_object(goal),
            )
        )
        return goal


async def _find(tx: Transaction, goal_id: int) -> Goal:
    goal = await tx.goals.get(GoalId(goal_id))
    if goal is None:
        # Deleted since the first request added it.
        raise GoalNotFound()
    return goal


@dataclass(frozen=True, slots=True)
class EditGoalCommand:
    mentoring_id: MentoringId
    goal_id: GoalId
    caller_id: UserId
    edit: GoalEdit = field(default_factory=GoalEdit)


class EditGoal:
    """Either participant renames a goal, moves its due date, ticks it off or unticks it."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, cmd: EditGoalCommand) -> GoalView:
        async with self._uow() as tx:
            mentoring = await _locked(tx, cmd.mentoring_id)
            goal = goal_in(mentoring, await tx.goals.get(cmd.goal_id), by=cmd.caller_id)
            if edit_goal(mentoring, goal, cmd.edit, at=self._clock.now()):
                await tx.goals.save(goal)
                await tx.outbox.add(
                    outbox_events.of_goals(
                        outbox_events.GOAL_EDITED,
                        mentoring,
                        cmd.caller_id,
                        goal.updated_at,
                        goal=outbox_events.goal_object(goal),
                    )
                )
                await tx.commit()
        return GoalView.of(goal)


@dataclass(frozen=True, slots=True)
class DeleteGoalCommand:
    mentoring_id: MentoringId
    goal_id: GoalId
    caller_id: UserId


class DeleteGoal:
    """Either participant deletes a goal; the goals after it move up one place."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, cmd: DeleteGoalCommand) -> None:
        async with self._uow() as tx:
            mentoring = await _locked(tx, cmd.mentoring_id)
            goal = goal_in(mentoring, await tx.goals.get(cmd.goal_id), by=cmd.caller_id)
            ensure_goals_open(mentoring)
            await tx.goals.delete(goal)
            await tx.outbox.add(
                outbox_events.of_goals(
                    outbox_events.GOAL_DELETED,
                    mentoring,
                    cmd.caller_id,
                    self._clock.now(),
                    goal_id=goal.id,
                )
            )
            await tx.commit()


@dataclass(frozen=True, slots=True)
class ReorderGoalsCommand:
    """`goal_ids`: every goal of the mentoring, each once, in the new order."""

    mentoring_id: MentoringId
    caller_id: UserId
    goal_ids: Sequence[GoalId]


class ReorderGoals:
    """Either participant puts the goals in a new order, given as the complete list of ids."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, cmd: ReorderGoalsCommand) -> list[GoalView]:
        async with self._uow() as tx:
            mentoring = await _locked(tx, cmd.mentoring_id)
            mentoring.ensure_visible_to(cmd.caller_id)
            goals = await tx.goals.list_for(mentoring.id)
            ordered = reorder_goals(mentoring, goals, cmd.goal_ids)
            await tx.goals.reorder(ordered)
            await tx.outbox.add(
                outbox_events.of_goals(
                    outbox_events.GOALS_REORDERED,
                    mentoring,
                    cmd.caller_id,
                    self._clock.now(),
                    goal_ids=[goal.id for goal in ordered],
                )
            )
            await tx.commit()
        return [GoalView.of(goal) for goal in ordered]
