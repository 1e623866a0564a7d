"""Systems and statement logs for the SQL adapter's own tests (databases: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mentorat.bootstrap import System, open_system
from tests.conftest import settings_for
from tests.sql.support import StatementLog, sql_uow

__all__ = ["StatementLog", "sql_uow"]


@pytest.fixture
async def system(db_url: str) -> AsyncIterator[System]:
    opened = open_system(settings_for(db_url))
    try:
        yield opened
    finally:
        await opened.aclose()


@pytest.fixture
async def pg_system(pg_url: str) -> AsyncIterator[System]:
    """A system on PostgreSQL with room for many concurrent requests (pool 20 + 10)."""
    opened = open_system(settings_for(pg_url, db_pool_size=20, db_max_overflow=10))
    try:
        yield opened
    finally:
        await opened.aclose()
