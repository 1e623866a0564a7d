"""The SQLite database and its -wal and -shm files are readable by their owner only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from mentorat.adapters.sql.engine import create_engine
from mentorat.bootstrap import upgrade_database
from mentorat.settings import Settings


@pytest.fixture(params=[0o022, 0o000])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(directory: Path) -> dict[str, int]:
    return {p.name: mode(p) for p in directory.iterdir()}


async def test_a_fresh_database_and_its_wal_and_shm_are_created_0600(
    tmp_path: Path, umask: int
) -> None:
    db = tmp_path / "fresh.db"
    settings = Settings(database_url=f"sqlite:///{db}")
    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
            # While a connection is open, WAL mode keeps both side files.
            files = modes(tmp_path)
    finally:
        await engine.dispose()
    assert files == {"fresh.db": 0o600, "fresh.db-wal": 0o600, "fresh.db-shm": 0o600}


def test_db_upgrade_on_a_new_path_makes_a_private_file(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    upgrade_database(Settings(database_url=f"sqlite:///{db}"))
    assert mode(db) == 0o600


def test_an_existing_file_keeps_the_mode_its_owner_gave_it(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    db.touch()
    db.chmod(0o640)
    upgrade_database(Settings(database_url=f"sqlite:///{db}"))
    assert mode(db) == 0o640
