"""Alembic's entry point: migrate the connection we are given, or the configured database."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from mentorat.adapters.sql.engine import create_engine
from mentorat.adapters.sql.tables import metadata
from mentorat.settings import Settings


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters tables by copying them; batch mode writes that dance for us.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def _migrate(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _migrate_configured_database() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    settings = Settings.from_env() if url is None else Settings(database_url=url)
    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_migrate)
            await conn.commit()
    finally:
        await engine.dispose()


def _offline() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if context.is_offline_mode():
    _offline()
elif isinstance(given, Connection):
    _migrate(given)
else:
    asyncio.run(_migrate_configured_database())
