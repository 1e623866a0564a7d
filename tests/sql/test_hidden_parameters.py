"""A failed statement never carries the values it was sent, neither in the error that reaches the
caller nor in the logs: a chat message or a password hash must not end up in a log line.

Every statement runs through a runner (`PostgresRunner`, `SqliteRunner`), which turns driver
errors into port-level ones; these tests make statements fail there, on both databases.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert

from mentorat.adapters.sql.database import Database, open_database
from mentorat.adapters.sql.errors import StorageConflict
from mentorat.adapters.sql.mapping import MESSAGE_INSERTED, USER_INSERTED, bound
from mentorat.adapters.sql.statements import PostgresRunner, SqliteRunner, Statement
from mentorat.adapters.sql.tables import messages, users
from mentorat.application.errors import StorageUnavailable
from mentorat.domain.errors import MentoratError
from mentorat.settings import Settings

SECRET_WORDS = "a private message nobody else may read"
SECRET_HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2VjcmV0c2FsdA$bm9ib2R5IG11c3Qgc2VlIG1l"
NOW = datetime(2025, 4, 11, 12, 0, tzinfo=UTC)

# No such mentoring, no such sender: a foreign key refuses the message.
A_MESSAGE_TO_NOBODY = (
    Statement(insert(messages).values(bound(messages, MESSAGE_INSERTED)).returning(messages.c.id)),
    {"mentoring_id": 2**40, "sender_id": 2**40, "body": SECRET_WORDS, "created_at": NOW},
)
A_USER_WITHOUT_EMAIL = (
    Statement(insert(users).values(bound(users, USER_INSERTED)).returning(users.c.id)),
    {
        "username": "ada",
        "username_key": "ada",
        "email": None,  # NOT NULL
        "password_hash": SECRET_HASH,
        "first_name": "",
        "last_name": "",
        "is_mentor": False,
        "phone_number": None,
        "is_verified": False,
        "is_active": True,
        "joined_at": NOW,
        "is_staff": False,
        "must_change_password": False,
        "password_changed_at": None,
    },
)
# PostgreSQL checks lengths (SQLite does not): a value too long is refused as bad data, which no
# domain rule names, and which leaves as StorageUnavailable with the statement in the log.
A_PHONE_NUMBER_TOO_LONG = (
    A_USER_WITHOUT_EMAIL[0],
    {**A_USER_WITHOUT_EMAIL[1], "email": "ada@example.com", "phone_number": "0" * 40},
)


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    opened = open_database(Settings(database_url=db_url))
    try:
        yield opened
    finally:
        await opened.dispose()


def everything_we_log(caplog: pytest.LogCaptureFixture) -> None:
    """Capture mentorat's and SQLAlchemy's logs down to DEBUG, everyone else's warnings.

    (Drivers' own debug logs are left out: aiosqlite's DEBUG lines echo every call it makes,
    values included, and no setting of ours turns them on.)
    """
    for name in ("mentorat", "sqlalchemy"):
        caplog.set_level(logging.DEBUG, logger=name)


def told(error: BaseException) -> str:
    """Everything a traceback of the error prints: each error of its chain, and the driver's."""
    said: list[str] = []
    seen: BaseException | None = error
    while seen is not None:
        said += [str(seen), repr(seen), repr(seen.args), str(getattr(seen, "orig", ""))]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(said)


async def refused(
    database: Database, statement: Statement, values: dict[str, Any], *, autocommit: bool
) -> MentoratError:
    """The error a runner raises for `statement`, in a transaction or committing as it runs."""
    async with database.autocommit() if autocommit else database.connect() as run:
        assert isinstance(run, PostgresRunner if database.kind == "postgresql" else SqliteRunner)
        with pytest.raises(MentoratError) as caught:
            await run.rows(statement, values)
    return caught.value


@pytest.mark.parametrize("autocommit", [False, True], ids=["transaction", "autocommit"])
@pytest.mark.parametrize(
    ("failing", "secret"),
    [(A_MESSAGE_TO_NOBODY, SECRET_WORDS), (A_USER_WITHOUT_EMAIL, SECRET_HASH)],
    ids=["message body", "password hash"],
)
async def test_a_refused_statement_does_not_carry_its_values(
    database: Database,
    caplog: pytest.LogCaptureFixture,
    failing: tuple[Statement, dict[str, Any]],
    secret: str,
    autocommit: bool,
) -> None:
    everything_we_log(caplog)
    error = await refused(database, *failing, autocommit=autocommit)
    assert isinstance(error, StorageConflict)
    assert secret not in told(error)
    assert caplog.records, "the refusal is logged"
    assert secret not in caplog.text
    assert all(secret not in str(record.args) for record in caplog.records)


@pytest.mark.postgres
async def test_a_statement_refused_for_its_data_logs_the_statement_but_not_its_values(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    everything_we_log(caplog)
    database = open_database(Settings(database_url=pg_url))
    try:
        error = await refused(database, *A_PHONE_NUMBER_TOO_LONG, autocommit=False)
    finally:
        await database.dispose()
    assert isinstance(error, StorageUnavailable)
    assert SECRET_HASH not in told(error)
    assert "INSERT INTO users" in caplog.text  # which statement failed is told
    assert SECRET_HASH not in caplog.text
    assert all(SECRET_HASH not in str(record.args) for record in caplog.records)
