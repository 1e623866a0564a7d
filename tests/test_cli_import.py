"""`mentorat import django`: accounts of the original service come in with their ids and
password hashes (made here exactly as Django's PBKDF2PasswordHasher and Argon2PasswordHasher
make them), log in with the same passwords, and are rehashed to argon2; a second run changes
nothing."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import argon2
import psycopg
import pytest

from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.bootstrap import open_system
from mentorat.cli import main
from mentorat.domain.errors import InvalidCredentials
from tests.conftest import SECRET, settings_for
from tests.sql.support import a_throwaway_database

ITERATIONS = 10_000  # Django 5.2 uses 1,000,000; the format and the algorithm are the same


def django_pbkdf2(password: str, salt: str, iterations: int = ITERATIONS) -> str:
    """Django's PBKDF2PasswordHasher.encode."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    hashed = base64.b64encode(digest).decode("ascii").strip()
    return f"pbkdf2_sha256${iterations}${salt}${hashed}"


def django_argon2(password: str) -> str:
    """Django's Argon2PasswordHasher.encode: argon2's own encoding behind `argon2`."""
    hasher = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return "argon2" + hasher.hash(password)


PEOPLE: list[dict[str, Any]] = [
    {
        "pk": 7,
        "username": "Alice",
        "password": django_pbkdf2("alice-password", "hJ2kL9mN0pQ1rS3tU5vW7x"),
        "email": "alice@example.com",
        "first_name": "Alice",
        "is_mentor": True,
        "phone_number": "+33 6 00 00 00 07",
        "is_verified": True,
    },
    {
        "pk": 12,
        "username": "bob",
        "password": django_argon2("bob-password"),
        "email": "bob@example.com",
    },
    {"pk": 40, "username": "carol", "password": "!unusable0123456789", "email": ""},
]


def dumpdata(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What `manage.py dumpdata core.user` writes."""
    return [
        {
            "model": "core.user",
            "pk": person["pk"],
            "fields": {
                "password": person["password"],
                "last_login": None,
                "is_superuser": False,
                "username": person["username"],
                "first_name": person.get("first_name", ""),
                "last_name": "",
                "email": person["email"],
                "is_staff": False,
                "is_active": True,
                "date_joined": "2025-04-11T12:58:43.959Z",
                "groups": [],
                "user_permissions": [],
                "is_mentor": person.get("is_mentor", False),
                "phone_number": person.get("phone_number"),
                "is_verified": person.get("is_verified", False),
            },
        }
        for person in people
    ]


@pytest.fixture
def target(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MENTORAT_DATABASE_URL", db_url)
    monkeypatch.setenv("MENTORAT_SECRET_KEY", SECRET)
    return db_url


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    path = tmp_path / "users.json"
    path.write_text(json.dumps(dumpdata(PEOPLE)), encoding="utf-8")
    return path


def report(out: str) -> dict[str, int]:
    value: dict[str, int] = json.loads(out.strip().splitlines()[-1])
    return value


async def logins(url: str) -> dict[str, Any]:
    system = open_system(settings_for(url))
    app = system.mentorat
    try:
        await app.obtain_tokens(LoginCommand("alice", "alice-password"))
        await app.obtain_tokens(LoginCommand("BOB", "bob-password"))
        with pytest.raises(InvalidCredentials):
            await app.obtain_tokens(LoginCommand("alice", "wrong-password"))
        with pytest.raises(InvalidCredentials):
            await app.obtain_tokens(LoginCommand("carol", "!unusable0123456789"))
        async with app.uow(write=False) as tx:
            alice = await tx.users.get_by_username("alice")
            profile = await tx.profiles.get_with_owner(7)
        newcomer = await app.register_user(
            RegisterCommand("newcomer", "a long password", "n@example.com")
        )
    finally:
        await system.aclose()
    assert alice is not None
    assert profile is not None
    return {"alice": alice, "newcomer_id": newcomer.id}


def test_a_dump_is_imported_with_ids_and_hashes_and_logs_in_with_the_same_passwords(
    target: str, dump: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "django", "--json", str(dump)]) == 0
    captured = capsys.readouterr()
    assert report(captured.out) == {
        "read": 3,
        "added": 3,
        "unchanged": 0,
        "conflicts": 0,
        "without_usable_password": 1,
    }
    assert "read 3 account(s)" in captured.err
    assert "imported 3/3" in captured.err
    found = asyncio.run(logins(target))
    alice = found["alice"]
    assert alice.id == 7
    assert alice.is_mentor
    assert alice.is_verified
    assert alice.phone_number == "+33 6 00 00 00 07"
    assert alice.password_hash.startswith("$argon2id$")  # rehashed at the first login
    assert found["newcomer_id"] == 41  # ids go on after the largest imported one

    assert main(["import", "django", "--json", str(dump)]) == 0
    again = capsys.readouterr()
    assert report(again.out) == {
        "read": 3,
        "added": 0,
        "unchanged": 3,
        "conflicts": 0,
        "without_usable_password": 0,
    }
    assert "nothing changed" in again.err


def test_an_id_or_a_name_taken_by_someone_else_is_a_reported_conflict(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def first() -> int:
        system = open_system(settings_for(target))
        try:
            user = await system.mentorat.register_user(
                RegisterCommand("ALICE", "a long password", "a@example.com")
            )
        finally:
            await system.aclose()
        return user.id

    taken_id = asyncio.run(first())
    path = tmp_path / "users.json"
    clash = dict(PEOPLE[1], pk=taken_id)  # bob, under the id ALICE has here
    path.write_text(json.dumps(dumpdata([PEOPLE[0], clash])), encoding="utf-8")
    assert main(["import", "django", "--json", str(path)]) == 0
    captured = capsys.readouterr()
    assert report(captured.out)["conflicts"] == 2
    assert "skipped user 7: name taken by another id" in captured.err
    assert f"skipped user {taken_id}: id taken by another name" in captured.err


@pytest.mark.parametrize(
    "content", ["not json", '{"model": "core.user"}', '[{"model": "core.user", "pk": 1}]']
)
def test_a_dump_that_is_not_django_users_is_refused_in_one_line(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert main(["import", "django", "--json", str(path)]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.fixture
def django_database(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL database holding the original service's `users` table."""
    with a_throwaway_database(postgres_url, "django_source") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE users (id bigint PRIMARY KEY, password varchar(128) NOT NULL,"
                " last_login timestamptz, is_superuser boolean NOT NULL,"
                " username varchar(150) NOT NULL, first_name varchar(150) NOT NULL,"
                " last_name varchar(150) NOT NULL, email varchar(254) NOT NULL,"
                " is_staff boolean NOT NULL, is_active boolean NOT NULL,"
                " date_joined timestamptz NOT NULL, is_mentor boolean NOT NULL,"
                " phone_number varchar(32), is_verified boolean NOT NULL)"
            )
            for item in dumpdata(PEOPLE):
                f = item["fields"]
                conn.execute(
                    "INSERT INTO users VALUES (%s, %s, NULL, false, %s, %s, '', %s, false, true,"
                    " %s, %s, %s, %s)",
                    (
                        item["pk"],
                        f["password"],
                        f["username"],
                        f["first_name"],
                        f["email"],
                        f["date_joined"],
                        f["is_mentor"],
                        f["phone_number"],
                        f["is_verified"],
                    ),
                )
        yield url


@pytest.mark.postgres
def test_the_django_database_itself_is_a_source(
    target: str, django_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "django", "--from", django_database, "--table", "users"]) == 0
    assert report(capsys.readouterr().out)["added"] == 3
    assert asyncio.run(logins(target))["alice"].id == 7
    assert main(["import", "django", "--from", django_database]) == 1  # no auth_user there
    assert "lacks Django's user columns" in capsys.readouterr().err
