"""The factory each server worker calls: settings from the environment, start-up state frozen."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

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
        assert app.route_handler_method_map
    finally:
        gc.unfreeze()
