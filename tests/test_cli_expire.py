"""`mentorat expire` and `mentorat events prune`: the sweeps from the command line, on SQLite."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from mentorat.adapters.memory.services import ManualClock
from mentorat.application.register_user import RegisterCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.bootstrap import open_system
from mentorat.cli import main
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Status
from tests.conftest import SECRET, settings_for


async def _requests(url: str, at: datetime, count: int, name: str = "") -> list[MentoringId]:
    """`count` requests made at `at` by as many mentees to one mentor (names after `name`)."""
    system = open_system(settings_for(url), clock=ManualClock(at))
    app = system.mentorat
    try:
        mentor = await app.register_user(
            RegisterCommand(f"mentor{name}", "a long password", "m@example.com", is_mentor=True)
        )
        made = []
        for i in range(count):
            mentee = await app.register_user(
                RegisterCommand(f"mentee{name}{i}", "a long password", f"e{i}@example.com")
            )
            request = RequestMentoringCommand(
                mentee.id, mentor.id, date(2025, 1, 1), date(2025, 2, 1)
            )
            made.append((await app.request_mentoring(request)).id)
        return made
    finally:
        await system.aclose()


async def _stored_status(url: str, mentoring_id: MentoringId) -> Status:
    system = open_system(settings_for(url))
    try:
        async with system.mentorat.uow(write=False) as tx:
            found = await tx.mentorings.get(mentoring_id)
        assert found is not None
        return found.status
    finally:
        await system.aclose()


def test_expire_records_the_requests_older_than_the_ttl_and_says_how_many(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = asyncio.run(_requests(sqlite_url, datetime(2020, 1, 1, tzinfo=UTC), 2))
    monkeypatch.setenv("MENTORAT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MENTORAT_SECRET_KEY", SECRET)
    monkeypatch.setenv("MENTORAT_REQUEST_TTL_DAYS", "3")
    assert asyncio.run(_stored_status(sqlite_url, old[0])) is Status.PENDING

    assert main(["expire"]) == 0
    assert capsys.readouterr().out == "expired 2 request(s) left unanswered for 3 days\n"
    assert [asyncio.run(_stored_status(sqlite_url, i)) for i in old] == [Status.EXPIRED] * 2

    assert main(["expire"]) == 0
    assert capsys.readouterr().out.startswith("expired 0 request(s)")


def test_expire_refuses_a_ttl_below_one_day(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MENTORAT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MENTORAT_REQUEST_TTL_DAYS", "0")
    assert main(["expire"]) == 2
    assert "MENTORAT_REQUEST_TTL_DAYS" in capsys.readouterr().err


def test_events_prune_forgets_the_events_older_than_the_retention_and_says_how_many(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_requests(sqlite_url, datetime(2020, 1, 1, tzinfo=UTC), 2))
    asyncio.run(_requests(sqlite_url, datetime.now(UTC), 1, "recent"))
    monkeypatch.setenv("MENTORAT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MENTORAT_SECRET_KEY", SECRET)
    monkeypatch.setenv("MENTORAT_EVENT_RETENTION_DAYS", "3")
    assert main(["events", "prune"]) == 0
    assert capsys.readouterr().out == "pruned 2 event(s) older than 3 days\n"
    assert main(["events", "prune"]) == 0
    assert capsys.readouterr().out.startswith("pruned 0 event(s)")
