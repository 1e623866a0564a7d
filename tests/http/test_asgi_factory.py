"""The factory each server worker calls: settings from the environment, start-up state frozen."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from litestar.events import EventListener
from litestar.exceptions import ImproperlyConfiguredException

from mentorat.adapters.http.app import NoListeners
from mentorat.bootstrap import create_asgi_app


def test_the_worker_factory_freezes_what_start_up_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTORAT_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    monkeypatch.setenv("MENTORAT_SECRET_KEY", "k" * 32)
    gc.unfreeze()
    try:
        app = create_asgi_app()
        # The app, its modules and tables are out of the collector's full walks.
        assert gc.get_freeze_count() > 10_000
        assert app.app.route_handler_method_map
    finally:
        gc.unfreeze()


WORKER_IMPORTS = """
import asyncio, sys
from mentorat.bootstrap import create_asgi_app

async def main():
    app = create_asgi_app()
    async with app.app.lifespan():
        pass

asyncio.run(main())
print(" ".join(m for m in ("anyio._backends._asyncio", "sqlite3") if m in sys.modules))
"""


def test_a_postgresql_worker_loads_neither_anyio_backend_nor_sqlite() -> None:
    # Each costs every worker memory (about 4 MiB and 0.9 MiB) for nothing it uses: Litestar's
    # event bus (no listeners here) and SQLite's driver on a PostgreSQL deployment.
    # A fresh interpreter: this test process has long imported both.
    env = {
        **os.environ,
        "MENTORAT_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "MENTORAT_SECRET_KEY": "k" * 32,
    }
    out = subprocess.run(
        [sys.executable, "-c", WORKER_IMPORTS], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == []


def test_the_event_bus_takes_no_listeners() -> None:
    with pytest.raises(ImproperlyConfiguredException):
        NoListeners([EventListener("x")(lambda: None)])
    with pytest.raises(ImproperlyConfiguredException):
        NoListeners([]).emit("x")
