"""Rows become entities positionally: the columns read must follow the dataclasses' fields."""

from __future__ import annotations

from dataclasses import fields

from mentorat.adapters.sql.mapping import (
    GOAL_COLUMNS,
    MENTORING_COLUMNS,
    MESSAGE_COLUMNS,
    USER_COLUMNS,
)
from mentorat.domain.chat import Message
from mentorat.domain.goals import Goal
from mentorat.domain.mentoring import Mentoring
from mentorat.domain.users import User


def names(columns: tuple[object, ...]) -> list[str]:
    return [getattr(c, "name") for c in columns]  # noqa: B009 (ColumnElement has no .name)


def test_user_columns_follow_the_user_fields() -> None:
    assert names(USER_COLUMNS) == [f.name for f in fields(User)]


def test_mentoring_columns_follow_the_mentoring_fields() -> None:
    stored = [f.name for f in fields(Mentoring) if f.name != "events"]
    assert names(MENTORING_COLUMNS) == stored


def test_message_columns_follow_the_message_fields() -> None:
    renamed = {"body": "text"}  # the column keeps the seed's name
    assert [renamed.get(n, n) for n in names(MESSAGE_COLUMNS)] == [f.name for f in fields(Message)]


def test_goal_columns_follow_the_goal_fields() -> None:
    assert names(GOAL_COLUMNS) == [f.name for f in fields(Goal)]
