"""Opening the SQL system: what it needs, and what it does not do yet."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from mentorat.adapters.sql.throttle import SqlLoginThrottle
from mentorat.application.errors import StorageUnavailable
from mentorat.bootstrap import open_system
from mentorat.settings import Settings, SettingsError
from tests.conftest import settings_for
from tests.sql.support import sql_uow


def test_a_sql_system_needs_a_signing_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="MENTORAT_SECRET_KEY"):
        open_system(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))


async def test_opening_a_system_connects_to_nothing(tmp_path: Path) -> None:
    missing_dir = tmp_path / "not" / "there" / "x.db"
    system = open_system(settings_for(f"sqlite:///{missing_dir}"))
    try:
        assert not missing_dir.parent.exists()
        assert isinstance(system.mentorat.obtain_tokens._throttle, SqlLoginThrottle)
        with pytest.raises(StorageUnavailable):
            await system.mentorat.uow.ping()
        # aiosqlite stops the thread of a failed connection without waiting for it; let it
        # report back before this test's event loop closes.
        await asyncio.sleep(0.1)
    finally:
        await system.aclose()


async def test_closing_a_system_disposes_its_pool(sqlite_url: str) -> None:
    settings = dataclasses.replace(settings_for(sqlite_url), db_pool_size=2)
    system = open_system(settings)
    await system.mentorat.uow.ping()
    engine = sql_uow(system).database.engine
    assert engine.pool.checkedin() == 1
    await system.aclose()
    assert engine.pool.checkedin() == 0
    assert system.closers == []


@dataclasses.dataclass(frozen=True, slots=True)
class RotatingSettings(Settings):
    """Settings as they are once they carry the rotation switch (MENTORAT_ROTATE_REFRESH_TOKENS)."""

    rotate_refresh_tokens: bool = True


async def test_refresh_token_rotation_is_off_unless_the_settings_or_the_caller_turn_it_on(
    sqlite_url: str,
) -> None:
    plain = settings_for(sqlite_url)
    copied = {
        f.name: getattr(plain, f.name)
        for f in dataclasses.fields(plain)
        if f.name != "rotate_refresh_tokens"
    }
    rotating = RotatingSettings(**copied)
    for settings, override, expected in (
        (plain, None, False),
        (plain, True, True),
        (rotating, None, True),
        (rotating, False, False),
    ):
        system = open_system(settings, rotate_refresh_tokens=override)
        try:
            assert system.mentorat.refresh_tokens.rotates is expected
        finally:
            await system.aclose()
