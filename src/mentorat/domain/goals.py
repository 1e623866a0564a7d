"""Goals: what the two participants of an active mentoring set out to do, in their order.

A mentoring's goals are ordered by `position`, 1 to n without gaps: a new goal comes last, a
deleted one closes its gap, a reorder numbers them again. Only the mentor and the mentee see
them (anyone else is told the mentoring does not exist), and they change only while the
mentoring is active; afterwards they stay readable, as the chat does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Final, NewType

from mentorat.domain.errors import (
    GoalNotFound,
    GoalsClosed,
    InvalidGoalOrder,
    InvalidGoalTitle,
    TooManyGoals,
)
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Mentoring, Status
from mentorat.domain.users import UserId, ensure_storable

GoalId = NewType("GoalId", int)

TITLE_MAX = 200
GOALS_MAX = 100


class Keep(Enum):
    """A field an edit leaves as it is: not given, which is not the same as None (for
    `due_date`, None means "no due date")."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


def clean_title(title: str) -> str:
    """Titles are stored stripped of surrounding whitespace, 1..200 characters."""
    title = ensure_storable("title", title).strip()
    if not title:
        raise InvalidGoalTitle("This field may not be blank.")
    if len(title) > TITLE_MAX:
        raise InvalidGoalTitle(f"Ensure this field has no more than {TITLE_MAX} characters.")
    return title


@dataclass(frozen=True, slots=True)
class GoalTally:
    """How many goals a mentoring has, and how many of them are done."""

    count: int = 0
    done: int = 0

    @property
    def percent_done(self) -> float | None:
        """Done goals over goals, in percent to one decimal; None when there are no goals."""
        if not self.count:
            return None
        return round(100 * self.done / self.count, 1)

    @classmethod
    def of(cls, goals: Sequence[Goal]) -> GoalTally:
        return cls(len(goals), sum(1 for goal in goals if goal.done))


NO_GOALS: Final = GoalTally()


@dataclass(frozen=True, slots=True)
class NewGoal:
    """A goal that passed every rule, waiting for an id."""

    mentoring_id: MentoringId
    title: str
    due_date: date | None
    position: int
    created_at: datetime


@dataclass(slots=True)
class Goal:
    id: GoalId
    mentoring_id: MentoringId
    title: str
    due_date: date | None
    done: bool
    position: int
    created_at: datetime
    # What the goal says (title, due date, done) last changed; its place in the list is not
    # part of that: reordering or deleting another goal moves it without touching this.
    updated_at: datetime
    done_at: datetime | None = None

    @classmethod
    def from_new(cls, goal_id: GoalId, new: NewGoal) -> Goal:
        return cls(
            id=goal_id,
            mentoring_id=new.mentoring_id,
            title=new.title,
            due_date=new.due_date,
            done=False,
            position=new.position,
            created_at=new.created_at,
            updated_at=new.created_at,
        )


@dataclass(frozen=True, slots=True)
class GoalEdit:
    """The fields an edit changes; the others are `KEEP`."""

    title: str | Keep = KEEP
    due_date: date | Keep | None = KEEP
    done: bool | Keep = KEEP


def ensure_goals_open(mentoring: Mentoring) -> None:
    """Goals change only while the mentoring is active."""
    if mentoring.status is not Status.ACTIVE:
        raise GoalsClosed(mentoring.status.value)


def plan_goal(
    mentoring: Mentoring,
    *,
    by: UserId,
    title: str,
    due_date: date | None,
    goal_count: int,
    at: datetime,
) -> NewGoal:
    """Check that `by` may add a goal to `mentoring`, which has `goal_count` goals; it comes
    last."""
    mentoring.ensure_visible_to(by)
    title = clean_title(title)
    ensure_goals_open(mentoring)
    if goal_count >= GOALS_MAX:
        raise TooManyGoals(GOALS_MAX)
    return NewGoal(mentoring.id, title, due_date, goal_count + 1, at)


def goal_in(mentoring: Mentoring, goal: Goal | None, *, by: UserId) -> Goal:
    """The goal, when `by` may see `mentoring` and the goal is one of its goals.

    A goal of another mentoring is as unknown as a goal that does not exist.
    """
    mentoring.ensure_visible_to(by)
    if goal is None or goal.mentoring_id != mentoring.id:
        raise GoalNotFound()
    return goal


def edit_goal(mentoring: Mentoring, goal: Goal, edit: GoalEdit, *, at: datetime) -> bool:
    """Make `edit` to `goal` (one of `mentoring`'s, see `goal_in`); True when it changed.

    Ticking a goal off dates it (`done_at`); unticking it forgets that date. An edit that
    changes nothing leaves `updated_at` as it was.
    """
    title = goal.title if isinstance(edit.title, Keep) else clean_title(edit.title)
    ensure_goals_open(mentoring)
    due_date = goal.due_date if isinstance(edit.due_date, Keep) else edit.due_date
    done = goal.done if isinstance(edit.done, Keep) else edit.done
    if (title, due_date, done) == (goal.title, goal.due_date, goal.done):
        return False
    if done != goal.done:
        goal.done_at = at if done else None
    goal.title, goal.due_date, goal.done = title, due_date, done
    goal.updated_at = max(at, goal.updated_at)
    return True


def reorder_goals(mentoring: Mentoring, goals: Sequence[Goal], ids: Sequence[GoalId]) -> list[Goal]:
    """`goals` (all of `mentoring`'s) in the order of `ids`, numbered 1 to n again.

    `ids` must hold each of the goals' ids exactly once, and nothing else.
    """
    by_id = {goal.id: goal for goal in goals}
    if len(set(ids)) != len(ids):
        raise InvalidGoalOrder("ids must not repeat a goal.")
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise InvalidGoalOrder(f"{unknown[0]} is not the id of a goal of this mentoring.")
    if len(ids) != len(by_id):
        raise InvalidGoalOrder("ids must list every goal of the mentoring.")
    ensure_goals_open(mentoring)
    ordered = [by_id[i] for i in ids]
    for position, goal in enumerate(ordered, start=1):
        goal.position = position
    return ordered
