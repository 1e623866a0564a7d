"""The goals of a mentoring: /api/mentoring/{mentoring_id}/goals/ (list, add, edit, delete,
reorder)."""

from __future__ import annotations

from typing import Annotated, TypeVar

import msgspec
from litestar import delete, get, patch, post, put
from litestar.params import JSONBody, Parameter

from mentorat.adapters.http.context import use_cases
from mentorat.adapters.http.controllers import ID_SCHEMA, Authenticated, parse_id
from mentorat.adapters.http.errors import error_responses
from mentorat.adapters.http.goal_schemas import (
    GoalEditIn,
    GoalIn,
    GoalOrderIn,
    GoalOut,
    goal_out,
)
from mentorat.adapters.http.idempotency import IdempotencyKeyParam, idempotency_of
from mentorat.application.manage_goals import (
    AddGoalCommand,
    DeleteGoalCommand,
    EditGoalCommand,
    ListGoalsQuery,
    ReorderGoalsCommand,
)
from mentorat.domain.errors import GoalNotFound, MentoringNotFound
from mentorat.domain.goals import KEEP, GoalEdit, GoalId, Keep

TAGS = ["goals"]
GOALS = "/api/mentoring/{mentoring_id:str}/goals/"
GOAL = "/api/mentoring/{mentoring_id:str}/goals/{goal_id:str}/"
# A path of its own beside GOAL: Litestar matches the static segment before the parameter.
ORDER = "/api/mentoring/{mentoring_id:str}/goals/order/"
MentoringIdParam = Annotated[
    str, Parameter(description="The mentoring's id.", schema_extra=ID_SCHEMA)
]
GoalIdParam = Annotated[str, Parameter(description="The goal's id.", schema_extra=ID_SCHEMA)]
T = TypeVar("T")


def _goal_id(raw: str) -> GoalId:
    """A path goal id, checked as `parse_id` checks any id; a bad one names no goal (404)."""
    try:
        return GoalId(parse_id(raw))
    except MentoringNotFound:
        raise GoalNotFound() from None


def _given(value: T | msgspec.UnsetType) -> T | Keep:
    """A key of a partial edit: its value, or KEEP when the body left it out."""
    return KEEP if isinstance(value, msgspec.UnsetType) else value


@get(
    GOALS,
    operation_id="listGoals",
    summary="The goals of a mentoring, by position",
    tags=TAGS,
    responses=error_responses(401, 404, 503),
)
async def list_goals(request: Authenticated, mentoring_id: MentoringIdParam) -> list[GoalOut]:
    query = ListGoalsQuery(parse_id(mentoring_id), request.user.id)
    return [goal_out(g) for g in await use_cases(request).list_goals(query)]


@post(
    GOALS,
    operation_id="addGoal",
    summary="Add a goal, last, while the mentoring is active",
    tags=TAGS,
    responses=error_responses(400, 401, 404, 409, 413, 415, 422, 503),
)
async def add_goal(
    request: Authenticated,
    data: JSONBody[GoalIn],
    mentoring_id: MentoringIdParam,
    idempotency_key: Annotated[str | None, IdempotencyKeyParam] = None,
) -> GoalOut:
    """The title is stripped; empty or over 200 characters is a 400. At most 100 goals (409)."""
    key, fingerprint = await idempotency_of(request)
    view = await use_cases(request).add_goal(
        AddGoalCommand(
            parse_id(mentoring_id),
            request.user.id,
            data.title,
            data.due_date,
            idempotency_key=key,
            fingerprint=fingerprint,
        )
    )
    return goal_out(view)


@patch(
    GOAL,
    operation_id="editGoal",
    summary="Change a goal's title or due date, tick it off or untick it",
    tags=TAGS,
    responses=error_responses(400, 401, 404, 409, 413, 415, 503),
)
async def edit_goal(
    request: Authenticated,
    data: JSONBody[GoalEditIn],
    mentoring_id: MentoringIdParam,
    goal_id: GoalIdParam,
) -> GoalOut:
    """Only the keys sent change; `"due_date": null` removes the due date."""
    edit = GoalEdit(
        title=_given(data.title), due_date=_given(data.due_date), done=_given(data.done)
    )
    view = await use_cases(request).edit_goal(
        EditGoalCommand(parse_id(mentoring_id), _goal_id(goal_id), request.user.id, edit)
    )
    return goal_out(view)


@delete(
    GOAL,
    operation_id="deleteGoal",
    summary="Delete a goal; the goals after it move up one place",
    tags=TAGS,
    responses=error_responses(401, 404, 409, 503),
)
async def delete_goal(
    request: Authenticated, mentoring_id: MentoringIdParam, goal_id: GoalIdParam
) -> None:
    await use_cases(request).delete_goal(
        DeleteGoalCommand(parse_id(mentoring_id), _goal_id(goal_id), request.user.id)
    )


@put(
    ORDER,
    operation_id="reorderGoals",
    summary="Put the goals in a new order: every goal id of the mentoring, once",
    tags=TAGS,
    responses=error_responses(400, 401, 404, 409, 413, 415, 503),
)
async def reorder_goals(
    request: Authenticated, data: JSONBody[GoalOrderIn], mentoring_id: MentoringIdParam
) -> list[GoalOut]:
    ids = [GoalId(i) for i in data.ids]
    views = await use_cases(request).reorder_goals(
        ReorderGoalsCommand(parse_id(mentoring_id), request.user.id, ids)
    )
    return [goal_out(g) for g in views]


PROTECTED = [list_goals, add_goal, edit_goal, delete_goal, reorder_goals]
