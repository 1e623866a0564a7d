"""Rows to domain entities and back, from the one column list of each table.

Each list follows the fields of its entity's dataclass, in their order, so a row becomes an
entity positionally (rows -> entities run for every row of every list and page); the
repository contract tests read back every field of what they stored. Selects, inserts,
updates and the bulk loader all take their columns from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, FromClause, bindparam

from mentorat.adapters.sql.tables import goals, mentorings, messages, profiles, users
from mentorat.domain.chat import Message, NewMessage
from mentorat.domain.events import MentoringId
from mentorat.domain.goals import Goal, GoalId, NewGoal
from mentorat.domain.mentoring import Mentoring, NewMentoring, Status
from mentorat.domain.profiles import MentorStanding, Profile, SearchText
from mentorat.domain.users import NewUser, User, UserId, username_key

Row = Sequence[Any]

USER_FIELDS = tuple(f.name for f in fields(User))
MENTORING_FIELDS = tuple(f.name for f in fields(Mentoring) if f.name != "events")
# What posts move, under the chat's lock (`messages.py`, `chat_posts.py`); saving a mentoring
# writes every other field, and leaves these to the posts.
CHAT_FIELDS = ("message_count", "last_message_at")
LIFECYCLE_FIELDS = tuple(f for f in MENTORING_FIELDS[1:] if f not in CHAT_FIELDS)
# The message's text is stored in `body`, the seed's name for it.
MESSAGE_FIELDS = tuple("body" if f.name == "text" else f.name for f in fields(Message))
GOAL_FIELDS = tuple(f.name for f in fields(Goal))
# What an edit changes and `Goals.save` writes; positions move only by reorder and delete.
GOAL_EDITED_FIELDS = ("title", "due_date", "done", "updated_at", "done_at")
USER_WIDTH = len(USER_FIELDS)
MENTORING_WIDTH = len(MENTORING_FIELDS)
MESSAGE_WIDTH = len(MESSAGE_FIELDS)
GOAL_WIDTH = len(GOAL_FIELDS)


def user_columns(table: FromClause = users) -> tuple[ColumnElement[Any], ...]:
    """The columns `user_from_row` reads, in its order, from `users` or an alias of it."""
    return tuple(table.c[name] for name in USER_FIELDS)


USER_COLUMNS = user_columns()
MENTORING_COLUMNS = tuple(mentorings.c[name] for name in MENTORING_FIELDS)
MESSAGE_COLUMNS = tuple(messages.c[name] for name in MESSAGE_FIELDS)
GOAL_COLUMNS = tuple(goals.c[name] for name in GOAL_FIELDS)
# What an insert writes: every column but the id, which the database gives.
USER_INSERTED = (*USER_FIELDS[1:], "username_key")
MENTORING_INSERTED = MENTORING_FIELDS[1:]
MESSAGE_INSERTED = MESSAGE_FIELDS[1:]
GOAL_INSERTED = GOAL_FIELDS[1:]


def bound(
    table: FromClause, names: Iterable[str], prefix: str = ""
) -> dict[str, BindParameter[Any]]:
    """A bind for each column, named after it (with `prefix`): the values of an insert, or,
    with a prefix, of an update, whose SET clause reserves the columns' own names."""
    return {name: bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in names}


def user_from_row(row: Row, at: int = 0) -> User:
    return User(*row[at : at + USER_WIDTH])


def user_values(user: User, prefix: str = "") -> dict[str, Any]:
    """Every column of `user` but its id, by column name (with `prefix`)."""
    values = {f"{prefix}{name}": getattr(user, name) for name in USER_FIELDS[1:]}
    values[f"{prefix}username_key"] = username_key(user.username)
    return values


def mentoring_from_row(row: Row, at: int = 0) -> Mentoring:
    mentoring = Mentoring(*row[at : at + MENTORING_WIDTH])
    mentoring.status = Status(mentoring.status)
    return mentoring


def mentoring_values(
    mentoring: Mentoring, names: Sequence[str] = MENTORING_FIELDS[1:], prefix: str = ""
) -> dict[str, Any]:
    """The columns `names` of `mentoring` (every one but its id), by name (with `prefix`)."""
    values = {f"{prefix}{name}": getattr(mentoring, name) for name in names}
    values[f"{prefix}status"] = mentoring.status.value
    return values


def message_values(message: Message | NewMessage) -> dict[str, Any]:
    """Every column of `message` but its id, by column name."""
    return {name: getattr(message, "text" if name == "body" else name) for name in MESSAGE_INSERTED}


def message_from_row(row: Row, at: int = 0) -> Message:
    return Message(*row[at : at + MESSAGE_WIDTH])


def goal_from_row(row: Row, at: int = 0) -> Goal:
    return Goal(*row[at : at + GOAL_WIDTH])


def goal_values(
    goal: Goal, names: Sequence[str] = GOAL_FIELDS[1:], prefix: str = ""
) -> dict[str, Any]:
    """The columns `names` of `goal` (every one but its id), by name (with `prefix`)."""
    return {f"{prefix}{name}": getattr(goal, name) for name in names}


def new_goal_values(new: NewGoal) -> dict[str, Any]:
    """What a new goal starts as (the domain's `Goal.from_new`), by column; the id is the
    database's to give."""
    return goal_values(Goal.from_new(GoalId(0), new))


def new_user_values(new: NewUser) -> dict[str, Any]:
    """What a new user starts as (the domain's `User.from_new`), by column; the id is the
    database's to give."""
    return user_values(User.from_new(UserId(0), new))


def new_mentoring_values(new: NewMentoring) -> dict[str, Any]:
    """What a new request starts as (the domain's `Mentoring.from_new`), by column; the id is
    the database's to give."""
    return mentoring_values(Mentoring.from_new(MentoringId(0), new))


# --- profiles ---------------------------------------------------------------------------------

PROFILE_FIELDS = tuple(f.name for f in fields(Profile))
PROFILE_COLUMNS = tuple(profiles.c[name] for name in PROFILE_FIELDS)
PROFILE_WIDTH = len(PROFILE_FIELDS)
# Lists of tags and codes, stored comma-joined (neither may hold a comma: domain.profiles).
_LISTS = frozenset({"skills", "wanted_skills", "languages"})
SEARCH_FIELDS = ("names_text", "skills_text", "bio_text", "search_text")
STANDING_FIELDS = ("active_mentees", "answer_seconds")
# What saving a profile writes: every field the person edits, the words searches read, and
# whether the owner is listed (`available` is computed by the statement, from the standing).
PROFILE_SAVED = (*PROFILE_FIELDS[1:], *SEARCH_FIELDS, "listed")
# What a new profile row holds (`profile_row`).
PROFILE_ROW = ("user_id", *PROFILE_SAVED, *STANDING_FIELDS, "available")


def profile_from_row(row: Row, at: int = 0) -> Profile:
    values: list[Any] = [
        (tuple(v.split(",")) if v else ()) if name in _LISTS else v
        for name, v in zip(PROFILE_FIELDS, row[at : at + PROFILE_WIDTH], strict=True)
    ]
    return Profile(*values)


def profile_values(profile: Profile, owner: User, prefix: str = "") -> dict[str, Any]:
    """Every saved column of `profile` (of `owner`, whose names are searched too), by name."""
    values: dict[str, Any] = {}
    for name in PROFILE_FIELDS[1:]:
        value = getattr(profile, name)
        values[f"{prefix}{name}"] = ",".join(value) if name in _LISTS else value
    words = SearchText.of(owner, profile)
    values[f"{prefix}listed"] = listed(owner)
    values[f"{prefix}names_text"] = words.names
    values[f"{prefix}skills_text"] = words.skills
    values[f"{prefix}bio_text"] = words.bio
    values[f"{prefix}search_text"] = words.all
    return values


def listed(owner: User) -> bool:
    """Whether the directory lists the owner of a profile: an active mentor."""
    return owner.is_mentor and owner.is_active


def new_profile_values(owner: User) -> dict[str, Any]:
    """The row of `owner`'s empty profile."""
    return profile_row(owner, Profile(owner.id), MentorStanding())


def profile_row(owner: User, profile: Profile, standing: MentorStanding) -> dict[str, Any]:
    """Every column of a profile's row (`PROFILE_ROW`): new profiles, bulk loads."""
    answer = standing.answer_time
    return {
        "user_id": owner.id,
        **profile_values(profile, owner),
        "active_mentees": standing.active_mentees,
        "answer_seconds": None if answer is None else int(answer.total_seconds()),
        "available": profile.accepting_requests and standing.active_mentees < profile.capacity,
    }


def standing_from_row(row: Row, at: int) -> MentorStanding:
    active, seconds = row[at], row[at + 1]
    return MentorStanding(active, None if seconds is None else timedelta(seconds=seconds))
