"""A database error names the statement it came from, never the values it was sent: a chat
message or a password hash must not end up in a log line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import exc

from mentorat.adapters.sql.prepared import PreparedStatement
from mentorat.adapters.sql.tables import messages
from mentorat.bootstrap import System, open_system

from .conftest import settings_for, sql_uow
from .test_postgres_concurrency import a_pair, a_request, pg_system

__all__ = ["pg_system"]

SECRET_WORDS = "a private message nobody else may read"


@pytest.mark.postgres
async def test_a_failed_prepared_statement_does_not_carry_its_values(pg_system: System) -> None:
    uow = sql_uow(pg_system)
    statement = PreparedStatement(
        messages.insert().returning(messages.c.id)  # no such mentoring: a foreign key error
    )
    async with uow.connect() as conn:
        with pytest.raises(exc.DBAPIError) as caught:
            await statement.rows(
                conn,
                {
                    "mentoring_id": 2**40,
                    "sender_id": 2**40,
                    "body": SECRET_WORDS,
                    "created_at": None,
                },
            )
    assert SECRET_WORDS not in str(caught.value)
    assert "INSERT INTO messages" in str(caught.value)


async def test_a_failed_statement_does_not_carry_its_values(db_url: str) -> None:
    system = open_system(settings_for(db_url))
    try:
        uow = sql_uow(system)
        mentor, mentee = await a_pair(system)
        request = await a_request(system, mentor, mentee)
        async with uow.connect() as conn:
            with pytest.raises(exc.DBAPIError) as caught:
                await conn.execute(
                    messages.insert(),  # no such sender: a foreign key error
                    {
                        "mentoring_id": request.id,
                        "sender_id": 2**40,
                        "body": SECRET_WORDS,
                        "created_at": datetime.now(UTC),
                    },
                )
        assert SECRET_WORDS not in str(caught.value)
    finally:
        await system.aclose()
