"""The rules the database itself enforces, whatever code writes to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from mentorat.adapters.sql.engine import create_engine
from mentorat.adapters.sql.errors import StorageConflict, translate
from mentorat.adapters.sql.statements import runner_for
from mentorat.adapters.sql.tables import goals, mentorings, messages, users
from mentorat.adapters.sql.users import SqlUsers
from mentorat.domain.errors import OpenMentoringExists, UsernameTaken
from mentorat.domain.users import UserId
from mentorat.settings import Settings

T0 = datetime(2025, 4, 11, 12, 58, 43, 959579, tzinfo=UTC)


def a_user(user_id: int, username: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": username,
        "username_key": username.casefold(),
        "email": f"{username}@example.com",
        "password_hash": "h",
        "first_name": "",
        "last_name": "",
        "is_mentor": True,
        "phone_number": None,
        "is_verified": False,
        "is_active": True,
        "joined_at": T0,
    }


def a_mentoring(mentoring_id: int, **changes: Any) -> dict[str, Any]:
    row = {
        "id": mentoring_id,
        "mentor_id": 1,
        "mentee_id": 2,
        "status": "pending",
        "start_date": date(2025, 1, 1),
        "end_date": date(2025, 12, 31),
        "created_at": T0,
        "updated_at": T0,
        "accepted_at": None,
        "message_count": 0,
        "last_message_at": None,
        "version": 1,
    }
    return {**row, **changes}


@pytest.fixture
async def conn(db_url: str) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction on a database holding users 1 and 2; rolled back."""
    engine = create_engine(Settings(database_url=db_url))
    try:
        async with engine.connect() as connection:
            await connection.execute(insert(users), [a_user(1, "Mentor"), a_user(2, "mentee")])
            yield connection
            await connection.rollback()
    finally:
        await engine.dispose()


async def refused(conn: AsyncConnection, statement: Any, params: Any = None) -> IntegrityError:
    """Run `statement` in a savepoint, expecting the database to refuse it."""
    with pytest.raises(IntegrityError) as refusal:
        async with conn.begin_nested():
            await conn.execute(statement, params)
    return refusal.value


async def test_a_username_is_unique_ignoring_case(conn: AsyncConnection) -> None:
    error = await refused(conn, insert(users), a_user(3, "MENTOR") | {"username": "MENTOR"})
    assert isinstance(translate(error), UsernameTaken)


async def test_a_status_outside_the_lifecycle_is_refused(conn: AsyncConnection) -> None:
    await refused(conn, insert(mentorings), a_mentoring(1, status="paused"))
    await conn.execute(insert(mentorings), a_mentoring(1))
    await refused(conn, update(mentorings).values(status="inactive"))


async def test_a_period_that_ends_before_it_starts_is_refused(conn: AsyncConnection) -> None:
    await refused(conn, insert(mentorings), a_mentoring(1, end_date=date(2024, 12, 31)))
    await conn.execute(insert(mentorings), a_mentoring(1, end_date=date(2025, 1, 1)))


async def test_a_user_cannot_mentor_themself(conn: AsyncConnection) -> None:
    await refused(conn, insert(mentorings), a_mentoring(1, mentee_id=1))


async def test_only_one_pending_or_active_mentoring_per_pair(conn: AsyncConnection) -> None:
    await conn.execute(insert(mentorings), a_mentoring(1, status="active"))
    error = await refused(conn, insert(mentorings), a_mentoring(2, status="pending"))
    assert isinstance(translate(error), OpenMentoringExists)
    for i, closed in enumerate(("rejected", "cancelled", "completed", "completed"), start=3):
        await conn.execute(insert(mentorings), a_mentoring(i, status=closed))
    # The other direction is another pair.
    await conn.execute(insert(mentorings), a_mentoring(9, mentor_id=2, mentee_id=1))
    await conn.execute(update(mentorings).where(mentorings.c.id == 1).values(status="completed"))
    await conn.execute(insert(mentorings), a_mentoring(10))


async def test_references_must_point_at_existing_rows(conn: AsyncConnection) -> None:
    error = await refused(conn, insert(mentorings), a_mentoring(1, mentor_id=99))
    assert isinstance(translate(error), StorageConflict)
    await conn.execute(insert(mentorings), a_mentoring(1))
    message = {"mentoring_id": 1, "sender_id": 2, "body": "hi", "created_at": T0}
    await refused(conn, insert(messages), message | {"mentoring_id": 99})
    await refused(conn, insert(messages), message | {"sender_id": 99})
    await conn.execute(insert(messages), message)


async def test_empty_or_oversized_message_bodies_are_refused(conn: AsyncConnection) -> None:
    await conn.execute(insert(mentorings), a_mentoring(1))
    message = {"mentoring_id": 1, "sender_id": 2, "created_at": T0}
    await refused(conn, insert(messages), message | {"body": ""})
    await refused(conn, insert(messages), message | {"body": "é" * 4001})
    await conn.execute(insert(messages), message | {"body": "é" * 4000})


async def test_goals_keep_their_rules_on_title_position_and_done_date(
    conn: AsyncConnection,
) -> None:
    await conn.execute(insert(mentorings), a_mentoring(1, status="active"))
    goal = {
        "mentoring_id": 1,
        "title": "é" * 200,
        "due_date": None,
        "done": False,
        "position": 1,
        "created_at": T0,
        "updated_at": T0,
        "done_at": None,
    }
    await refused(conn, insert(goals), goal | {"mentoring_id": 99})
    await refused(conn, insert(goals), goal | {"title": ""})
    await refused(conn, insert(goals), goal | {"title": "é" * 201})
    await refused(conn, insert(goals), goal | {"position": 0})
    await refused(conn, insert(goals), goal | {"done": True})
    await refused(conn, insert(goals), goal | {"done_at": T0})
    await conn.execute(insert(goals), goal)
    await conn.execute(insert(goals), goal | {"position": 2, "done": True, "done_at": T0})


async def test_required_columns_cannot_be_null(conn: AsyncConnection) -> None:
    await refused(conn, insert(mentorings), a_mentoring(1, start_date=None))
    await refused(conn, insert(users), a_user(3, "x") | {"email": None})


async def test_a_username_change_that_clashes_is_username_taken(conn: AsyncConnection) -> None:
    repository = SqlUsers(runner_for(conn))
    mentee = await repository.get(UserId(2))
    assert mentee is not None
    mentee.username = "mentor"
    with pytest.raises(UsernameTaken):
        async with conn.begin_nested():
            await repository.save(mentee)


async def test_timestamps_keep_the_instant_in_utc_with_microseconds(conn: AsyncConnection) -> None:
    paris = timezone(timedelta(hours=2))
    local = datetime(2025, 4, 11, 14, 58, 43, 959579, tzinfo=paris)
    await conn.execute(insert(mentorings), a_mentoring(1, created_at=local))
    stored = (await conn.execute(select(mentorings.c.created_at))).scalar_one()
    assert stored == T0
    assert stored.tzinfo is UTC
    raw = (await conn.execute(text("SELECT created_at FROM mentorings"))).scalar_one()
    if conn.dialect.name == "sqlite":
        assert raw == "2025-04-11 12:58:43.959579"
    else:
        assert raw == T0


async def test_a_naive_timestamp_is_a_bug_not_a_row(conn: AsyncConnection) -> None:
    with pytest.raises(StatementError, match="naive"):
        await conn.execute(insert(mentorings), a_mentoring(1, created_at=datetime(2025, 1, 1)))
