"""Migrations: they round-trip, they can run concurrently, and they match tables.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, Integer, MetaData, inspect

from mentorat.adapters.sql import migrations
from mentorat.adapters.sql.engine import create_engine
from mentorat.adapters.sql.tables import metadata
from mentorat.bootstrap import downgrade_database, upgrade_database
from mentorat.settings import Settings
from tests.sql.support import a_throwaway_database

TABLES = {
    "users",
    "mentorings",
    "messages",
    "login_failures",
    "idempotency_keys",
    "used_refresh_tokens",
    "profiles",
    "goals",
    "outbox_events",
    "chat_reads",
    "registration_attempts",
    "audit_events",
    "webhook_endpoints",
    "webhook_dead_letters",
    "mail_progress",
    "mail_digests",
}
# What revision 0008 (accounts) adds.
ACCOUNTS_TABLES = {"registration_attempts", "audit_events"}
# What revision 0009 (webhooks and email) adds.
DELIVERY_TABLES = {"webhook_endpoints", "webhook_dead_letters", "mail_progress", "mail_digests"}
# Each database's own search structures, outside tables.py: SQLite's FTS5 table (and its
# shadow tables), PostgreSQL's postings of mentors' skills.
SEARCH_INDEX_PREFIXES = ("profiles_search", "mentor_skills")


def _outside_search_index(name: str | None, kind: str, parents: Any) -> bool:
    return not (kind == "table" and (name or "").startswith(SEARCH_INDEX_PREFIXES))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with a_throwaway_database(request.getfixturevalue("postgres_url"), "mentorat_fresh") as url:
        yield url


def _differences(connection: Connection, target: MetaData) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": _outside_search_index}
    )
    return list(compare_metadata(context, target))


async def schema_of(url: str) -> tuple[set[str], str | None, list[Any]]:
    """(tables, current revision, differences between the database and tables.py)."""
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            diff = await conn.run_sync(_differences, metadata)
        tables = {t for t in tables if not t.startswith(SEARCH_INDEX_PREFIXES)}
        # sqlite_sequence: SQLite's own record of AUTOINCREMENT ids (the outbox's).
        kept = tables - {"alembic_version", "sqlite_sequence"}
        return kept, await migrations.current(engine), diff
    finally:
        await engine.dispose()


async def test_migrations_round_trip_up_down_and_up_again(empty_db: str) -> None:
    settings = Settings(database_url=empty_db)
    upgrade_database(settings)
    assert await schema_of(empty_db) == (TABLES, migrations.head(), [])
    downgrade_database(settings, "base")
    assert (await schema_of(empty_db))[:2] == (set(), None)
    upgrade_database(settings)
    assert await schema_of(empty_db) == (TABLES, migrations.head(), [])
    upgrade_database(settings)  # at head already: nothing to do
    assert (await schema_of(empty_db))[1] == migrations.head()


async def test_the_replay_tables_come_and_go_with_their_own_revision(empty_db: str) -> None:
    settings = Settings(database_url=empty_db)
    upgrade_database(settings, "0001")
    first = {"users", "mentorings", "messages", "login_failures"}
    assert (await schema_of(empty_db))[:2] == (first, "0001")
    upgrade_database(settings)
    assert await schema_of(empty_db) == (TABLES, migrations.head(), [])
    downgrade_database(settings, "0001")
    assert (await schema_of(empty_db))[:2] == (first, "0001")


async def test_profiles_are_backfilled_for_users_who_registered_before_them(
    empty_db: str,
) -> None:
    settings = Settings(database_url=empty_db)
    upgrade_database(settings, "0003")
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO users (username, username_key, email, password_hash, first_name, "
                "last_name, is_mentor, phone_number, is_verified, is_active, joined_at) VALUES "
                "('Ines', 'ines', 'i@example.com', 'h', 'Inès', 'Développeuse', true, NULL, "
                "false, true, '2025-01-01 00:00:00.000000')"
            )
        upgrade_database(settings)
        async with engine.connect() as conn:
            row = (
                await conn.exec_driver_sql(
                    "SELECT names_text, capacity, active_mentees FROM profiles"
                )
            ).one()
    finally:
        await engine.dispose()
    assert tuple(row) == ("ines developpeuse", 3, 0)


async def test_the_goals_table_comes_and_goes_with_its_own_revision(empty_db: str) -> None:
    settings = Settings(database_url=empty_db)
    upgrade_database(settings, "0002")
    before = TABLES - {"goals", "profiles", "outbox_events", "chat_reads"}
    before -= ACCOUNTS_TABLES | DELIVERY_TABLES
    assert (await schema_of(empty_db))[:2] == (before, "0002")
    upgrade_database(settings, "0003")
    assert (await schema_of(empty_db))[:2] == (before | {"goals"}, "0003")
    upgrade_database(settings)
    assert await schema_of(empty_db) == (TABLES, migrations.head(), [])
    downgrade_database(settings, "0002")
    assert (await schema_of(empty_db))[:2] == (before, "0002")


async def test_the_outbox_and_the_read_marks_come_and_go_with_their_own_revisions(
    empty_db: str,
) -> None:
    settings = Settings(database_url=empty_db)
    later_still = ACCOUNTS_TABLES | DELIVERY_TABLES
    later = {"outbox_events", "chat_reads", *later_still}
    upgrade_database(settings, "0005")
    assert (await schema_of(empty_db))[:2] == (TABLES - later, "0005")
    upgrade_database(settings, "0006")
    assert (await schema_of(empty_db))[:2] == (TABLES - {"chat_reads"} - later_still, "0006")
    upgrade_database(settings, "0007")
    assert (await schema_of(empty_db))[:2] == (TABLES - later_still, "0007")
    downgrade_database(settings, "0005")
    assert (await schema_of(empty_db))[:2] == (TABLES - later, "0005")


async def test_the_webhook_and_mail_tables_come_and_go_with_their_own_revision(
    empty_db: str,
) -> None:
    settings = Settings(database_url=empty_db)
    upgrade_database(settings)
    assert await schema_of(empty_db) == (TABLES, migrations.head(), [])
    downgrade_database(settings, "0008")
    assert (await schema_of(empty_db))[:2] == (TABLES - DELIVERY_TABLES, "0008")
    upgrade_database(settings)
    assert await schema_of(empty_db) == (TABLES, migrations.head(), [])


async def test_the_comparison_would_see_a_schema_that_drifted(empty_db: str) -> None:
    upgrade_database(Settings(database_url=empty_db))
    drifted = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["users"].append_column(Column("nickname", Integer))
    engine = create_engine(Settings(database_url=empty_db))
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_differences, drifted)
    finally:
        await engine.dispose()
    assert [(d[0], d[3].name) for d in diff] == [("add_column", "nickname")]


async def test_workers_starting_together_migrate_once_and_all_succeed(empty_db: str) -> None:
    engines = [create_engine(Settings(database_url=empty_db)) for _ in range(3)]
    try:
        await asyncio.gather(*(migrations.run(e, "upgrade", "head") for e in engines))
    finally:
        for engine in engines:
            await engine.dispose()
    assert await schema_of(empty_db) == (TABLES, migrations.head(), [])


def test_migrations_run_from_synchronous_code_outside_any_event_loop(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'sync.db'}")
    upgrade_database(settings)
    downgrade_database(settings, "base")
    upgrade_database(settings, migrations.head())


async def test_the_accounts_revision_keys_usernames_after_nfkc_and_keeps_clashes_apart(
    empty_db: str,
) -> None:
    settings = Settings(database_url=empty_db)
    upgrade_database(settings, "0005")
    engine = create_engine(settings)
    insert = (
        "INSERT INTO users (username, username_key, email, password_hash, first_name, "
        "last_name, is_mentor, phone_number, is_verified, is_active, joined_at) VALUES "
        "('{name}', '{key}', 'x@example.com', 'h', '', '', false, NULL, false, true, "
        "'2025-01-01 00:00:00.000000')"
    )
    try:
        async with engine.begin() as conn:
            for name in ("Claire", "ｃｌａｉｒｅ", "Ｍａｘ"):
                await conn.exec_driver_sql(insert.format(name=name, key=name.casefold()))
        upgrade_database(settings)
        async with engine.connect() as conn:
            keys = (
                await conn.exec_driver_sql(
                    "SELECT username, username_key, is_staff, must_change_password,"
                    " password_changed_at FROM users ORDER BY id"
                )
            ).all()
        assert [tuple(row) for row in keys] == [
            ("Claire", "claire", False, False, None),
            ("ｃｌａｉｒｅ", "ｃｌａｉｒｅ", False, False, None),  # the younger keeps its key
            ("Ｍａｘ", "max", False, False, None),
        ]
        downgrade_database(settings, "0005")
        async with engine.connect() as conn:
            rows = (await conn.exec_driver_sql("SELECT username_key FROM users ORDER BY id")).all()
        assert [row[0] for row in rows] == ["claire", "ｃｌａｉｒｅ", "ｍａｘ"]
    finally:
        await engine.dispose()


async def test_read_marks_are_backfilled_at_each_senders_last_message(empty_db: str) -> None:
    settings = Settings(database_url=empty_db)
    upgrade_database(settings, "0006")
    at = "'2025-01-01 00:00:00.000000'"
    statements = (
        "INSERT INTO users (id, username, username_key, email, password_hash, first_name, "
        "last_name, is_mentor, phone_number, is_verified, is_active, joined_at) VALUES "
        f"(1, 'ada', 'ada', 'a@x.org', 'h', '', '', false, NULL, false, true, {at}), "
        f"(2, 'max', 'max', 'm@x.org', 'h', '', '', true, NULL, false, true, {at})",
        "INSERT INTO mentorings (id, mentor_id, mentee_id, status, start_date, end_date, "
        "created_at, updated_at, message_count, version) VALUES "
        f"(1, 2, 1, 'active', '2025-01-01', '2025-12-31', {at}, {at}, 3, 1)",
        "INSERT INTO messages (id, mentoring_id, sender_id, body, created_at) VALUES "
        f"(1, 1, 1, 'a', {at}), (2, 1, 2, 'b', {at}), (3, 1, 1, 'c', {at})",
    )
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.exec_driver_sql(statement)
        upgrade_database(settings, "0007")
        async with engine.connect() as conn:
            marks = await conn.exec_driver_sql(
                "SELECT user_id, message_id, read_count FROM chat_reads ORDER BY user_id"
            )
            found = [tuple(row) for row in marks]
    finally:
        await engine.dispose()
    assert found == [(1, 3, 3), (2, 2, 2)]
