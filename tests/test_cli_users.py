"""`mentorat user list | set-password | promote | demote | unverify`, on a SQLite file."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.bootstrap import open_system
from mentorat.cli import main
from mentorat.domain.audit import AuditAction
from mentorat.domain.errors import InvalidCredentials
from tests.conftest import SECRET, settings_for


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MENTORAT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MENTORAT_SECRET_KEY", SECRET)
    monkeypatch.setenv("MENTORAT_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("MENTORAT_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("MENTORAT_ARGON2_PARALLELISM", "1")

    async def people() -> None:
        system = open_system(settings_for(sqlite_url))
        try:
            for name, email in (("ada", "ada@example.com"), ("Bob", "bob@lovelace.org")):
                await system.mentorat.register_user(
                    RegisterCommand(name, "a long password", email, first_name=name.title())
                )
        finally:
            await system.aclose()

    asyncio.run(people())
    return sqlite_url


def lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_user_list_prints_one_json_line_per_account_and_searches(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["user", "list"]) == 0
    captured = capsys.readouterr()
    listed = lines(captured.out)
    assert [u["username"] for u in listed] == ["ada", "Bob"]
    assert set(listed[0]) == {
        "id",
        "username",
        "email",
        "first_name",
        "last_name",
        "is_mentor",
        "is_verified",
        "is_active",
        "is_staff",
        "must_change_password",
        "joined_at",
    }
    assert captured.err == "2 account(s)\n"
    assert main(["user", "list", "--search", "LOVELACE"]) == 0
    assert [u["username"] for u in lines(capsys.readouterr().out)] == ["Bob"]
    assert main(["user", "list", "--limit", "1"]) == 0
    assert [u["username"] for u in lines(capsys.readouterr().out)] == ["ada"]
    assert main(["user", "list", "--search", "%"]) == 0
    assert lines(capsys.readouterr().out) == []


def test_promote_demote_and_unverify_change_the_flags_and_are_audited(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["user", "promote", "ADA"]) == 0
    assert json.loads(capsys.readouterr().out)["is_staff"] is True
    assert main(["user", "demote", "ada"]) == 0
    assert json.loads(capsys.readouterr().out)["is_staff"] is False
    assert main(["user", "verify", "bob"]) == 0
    assert main(["user", "unverify", "bob"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["is_verified"] is False
    assert main(["user", "promote", "nobody"]) == 1
    assert "No user matches" in capsys.readouterr().err

    async def audited() -> list[tuple[AuditAction, int | None, int | None]]:
        system = open_system(settings_for(database))
        try:
            async with system.mentorat.uow(write=False) as tx:
                entries = await tx.audit.page()
        finally:
            await system.aclose()
        return [(e.action, e.actor_id, e.subject_id) for e in entries]

    assert asyncio.run(audited()) == [
        (AuditAction.USER_PROMOTED, None, 1),
        (AuditAction.USER_DEMOTED, None, 1),
        (AuditAction.USER_VERIFIED, None, 2),
        (AuditAction.USER_UNVERIFIED, None, 2),
    ]


def test_set_password_gives_a_temporary_password_read_from_stdin(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("temporary-pass-1\n"))
    assert main(["user", "set-password", "ada"]) == 0
    assert json.loads(capsys.readouterr().out)["must_change_password"] is True

    async def logins() -> tuple[bool, bool]:
        system = open_system(settings_for(database))
        try:
            pair = await system.mentorat.obtain_tokens(LoginCommand("ada", "temporary-pass-1"))
            with pytest.raises(InvalidCredentials):
                await system.mentorat.obtain_tokens(LoginCommand("ada", "a long password"))
        finally:
            await system.aclose()
        return pair.password_change_required, True

    assert asyncio.run(logins()) == (True, True)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "set-password", "ada"]) == 1
    assert "too short" in capsys.readouterr().err
