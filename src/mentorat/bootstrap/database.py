"""The database's schema and contents: its migrations, and the example and benchmark data it
can be seeded with. Re-exported by `mentorat.bootstrap`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mentorat.adapters.sql import migrations
from mentorat.adapters.sql.engine import create_engine
from mentorat.demo import bulk as bulk_data
from mentorat.demo import story
from mentorat.demo.bulk import BULK_PASSWORD, BulkPlan
from mentorat.settings import Settings

if TYPE_CHECKING:
    from mentorat.bootstrap import System


def upgrade_database(settings: Settings, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (all of them by default). Safe to repeat."""
    migrations.migrate(settings, "upgrade", revision)


def database_revision(settings: Settings) -> str | None:
    """The migration the database is at; None for a database never migrated."""
    return migrations.current_revision(settings)


def latest_revision() -> str:
    """The newest migration this release ships (what `upgrade_database` goes to)."""
    return migrations.head()


def migration_history() -> list[tuple[str, str]]:
    """Every migration this release ships, newest first: (revision, what it does)."""
    return migrations.history()


def downgrade_database(settings: Settings, revision: str) -> None:
    """Undo the migrations after `revision` ("base" undoes them all, dropping every table)."""
    migrations.migrate(settings, "downgrade", revision)


async def seed_demo(system: System) -> bool:
    """Load the seed's example data (user `owner` / `Pass123!@`, mentor `Mentor_2`, a chat).

    Does nothing, and answers False, when `owner` already exists.
    """
    return await story.seed_demo(system.mentorat)


async def seed_bulk(
    settings: Settings,
    *,
    users: int,
    mentorings: int,
    messages: int,
    hot_messages: int,
    mentors: int | None = None,
    replace: bool = False,
) -> dict[str, float | int]:
    """Fill the database with a deterministic benchmark dataset; returns counts and seconds.

    Migrates first. Every user's password is BULK_PASSWORD (hashed once with the configured
    argon2 parameters); user 1 is BULK_USERNAME. `mentors`: how many users are mentors (None:
    every fifth). Raises SeedRefused when users exist, unless `replace`, which empties every
    table first. Raises ValueError for impossible counts.
    """
    # Imported when used: mentorat.bootstrap imports this module before it defines it.
    from mentorat.bootstrap import settings_hasher

    plan = BulkPlan(users, mentorings, messages, hot_messages, mentors=mentors)
    plan.check()
    password_hash = await settings_hasher(settings).hash(BULK_PASSWORD)
    engine = create_engine(settings)
    try:
        await migrations.run(engine, "upgrade", "head")
        return await bulk_data.seed_bulk(engine, plan, password_hash=password_hash, replace=replace)
    finally:
        await engine.dispose()
