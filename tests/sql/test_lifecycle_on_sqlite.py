"""The domain's lifecycle state machine, run through the use cases on a real SQLite file."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

from mentorat.adapters.memory.services import ManualClock
from mentorat.application.ports import EventPublisher
from mentorat.application.service import Mentorat
from mentorat.bootstrap import open_system, upgrade_database
from mentorat.settings import Settings
from tests.conftest import settings_for
from tests.domain.lifecycle import lifecycle_test_case


@cache
def _template() -> Path:
    """One migrated file per test run; each example starts from a copy of it."""
    directory = tempfile.mkdtemp(prefix="mentorat-lifecycle-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = Path(directory) / "template.db"
    upgrade_database(Settings(database_url=f"sqlite:///{path}"))
    return path


@asynccontextmanager
async def open_sqlite_system(clock: ManualClock, events: EventPublisher) -> AsyncIterator[Mentorat]:
    with tempfile.TemporaryDirectory(prefix="mentorat-example-") as directory:
        path = Path(directory) / "mentorat.db"
        shutil.copy(_template(), path)
        system = open_system(settings_for(f"sqlite:///{path}"), clock=clock, events=events)
        try:
            yield system.mentorat
        finally:
            await system.aclose()


TestLifecycleOnSqlite = lifecycle_test_case(open_sqlite_system, max_examples=20)
