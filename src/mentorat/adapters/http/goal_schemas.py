"""The JSON shapes of a mentoring's goals (msgspec), and views -> structs."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from mentorat.adapters.http.schemas import (
    ID_RANGE,
    NOT_BLANK,
    Id,
    Timestamp,
    documented,
    wire_time,
)
from mentorat.application.views import GoalView
from mentorat.domain.goals import TITLE_MAX

_TITLE = documented(
    f"Stripped of surrounding whitespace, then 1-{TITLE_MAX} characters (not blank).",
    min_length=1,
    max_length=TITLE_MAX,
    pattern=NOT_BLANK,
)


class GoalIn(msgspec.Struct, frozen=True):
    title: Annotated[str, _TITLE]
    due_date: date | None = None


class GoalEditIn(msgspec.Struct, frozen=True):
    """A partial edit: a key left out keeps its value; `"due_date": null` removes the date."""

    title: Annotated[str | msgspec.UnsetType, _TITLE] = msgspec.UNSET
    due_date: date | msgspec.UnsetType | None = msgspec.UNSET
    done: bool | msgspec.UnsetType = msgspec.UNSET


class GoalOrderIn(msgspec.Struct, frozen=True):
    ids: Annotated[
        list[Id],
        msgspec.Meta(
            description="Every goal id of the mentoring, once, in the new order.",
            # Litestar drops an item type's constraints from a list's schema: restated here.
            extra_json_schema={"extra": {"items": {"type": "integer", **ID_RANGE}}},
        ),
    ]


class GoalOut(msgspec.Struct):
    id: int
    mentoring_id: int
    title: str
    due_date: date | None
    done: bool
    position: Annotated[int, msgspec.Meta(description="1 to n, the goal's place in the list.")]
    created_at: Timestamp
    updated_at: Timestamp


def goal_out(goal: GoalView) -> GoalOut:
    return GoalOut(
        goal.id,
        goal.mentoring_id,
        goal.title,
        goal.due_date,
        goal.done,
        goal.position,
        wire_time(goal.created_at),
        wire_time(goal.updated_at),
    )
