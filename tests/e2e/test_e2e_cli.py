"""The `mentorat` command line, run as the installed console script on a throwaway SQLite file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mentorat.cli import main
from tests.e2e.support import MENTORAT, server_env

pytestmark = pytest.mark.e2e


def run(
    directory: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MENTORAT, *args],
        input=stdin,
        env=server_env(directory, **env),
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def migrated(workdir: Path, sqlite_template: Path) -> Path:
    """`workdir` holding a migrated database, as `mentorat db upgrade` leaves it."""
    shutil.copy(sqlite_template, workdir / "mentorat.db")
    return workdir


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("mentorat:")]
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["db"],
        ["db", "upgrade"],
        ["db", "downgrade"],
        ["db", "current"],
        ["db", "history"],
        ["user"],
        ["user", "create"],
        ["user", "verify"],
        ["user", "deactivate"],
        ["user", "reactivate"],
        ["user", "unverify"],
        ["user", "promote"],
        ["user", "demote"],
        ["user", "set-password"],
        ["user", "list"],
        ["import"],
        ["import", "django"],
        ["demo"],
        ["expire"],
        ["events"],
        ["events", "prune"],
    ],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: mentorat" in capsys.readouterr().out


def test_no_command_prints_the_usage_and_exits_2(workdir: Path) -> None:
    done = run(workdir)
    assert done.returncode == 2
    assert "usage: mentorat" in done.stderr


def test_the_password_is_never_an_argument(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["user", "create", "--help"])
    text = capsys.readouterr().out
    assert "--password" not in text
    assert "stdin" in text


def test_accounts_are_created_verified_deactivated_and_reactivated(migrated: Path) -> None:
    workdir = migrated
    created = run(
        workdir,
        "user", "create", "ada", "--email", "ada@example.com", "--mentor",
        "--first-name", "Ada", "--phone-number", "+33 6 00 00 00 00",
        stdin="a long password\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    user = json.loads(created.stdout)
    assert (user["username"], user["is_mentor"], user["is_verified"]) == ("ada", True, False)
    assert "a long password" not in created.stdout + created.stderr

    verified = json.loads(run(workdir, "user", "verify", "ADA").stdout)
    assert verified["is_verified"] is True
    assert json.loads(run(workdir, "user", "deactivate", "ada").stdout)["is_active"] is False
    assert json.loads(run(workdir, "user", "reactivate", "ada").stdout)["is_active"] is True

    again = run(workdir, "user", "create", "Ada", "--email", "x@example.com", stdin="password-2\n")
    assert again.returncode == 1
    assert "already exists" in one_error_line(again)


def test_a_missing_or_weak_password_is_refused_in_one_line(migrated: Path) -> None:
    for stdin, message in [("", "no password"), ("1234567890\n", "numeric"), ("short\n", "short")]:
        done = run(migrated, "user", "create", "bob", "--email", "bob@example.com", stdin=stdin)
        assert done.returncode == 1
        assert message in one_error_line(done)


def test_an_unknown_user_is_refused_in_one_line(migrated: Path) -> None:
    for action in ("verify", "deactivate"):
        done = run(migrated, "user", action, "nobody")
        assert done.returncode == 1
        assert "No user" in one_error_line(done)


def test_migrations_go_down_to_base_and_up_again(workdir: Path) -> None:
    assert run(workdir, "db", "upgrade").returncode == 0
    assert run(workdir, "db", "downgrade", "base").returncode == 0
    missing = run(workdir, "user", "verify", "ada")
    assert missing.returncode == 1
    one_error_line(missing)
    assert run(workdir, "db", "upgrade", "head").returncode == 0


def test_demo_loads_the_example_data_once(workdir: Path) -> None:
    first = run(workdir, "demo")
    assert first.returncode == 0, first.stderr
    assert run(workdir, "demo").returncode == 0
    assert json.loads(run(workdir, "user", "verify", "owner").stdout)["username"] == "owner"


def test_demo_loads_a_bulk_dataset_when_given_every_count(workdir: Path) -> None:
    done = run(
        workdir, "demo", "--users", "10", "--mentorings", "4", "--messages", "30",
        "--hot-messages", "10",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert isinstance(json.loads(done.stdout), dict)
    partial = run(workdir, "demo", "--users", "5")
    assert partial.returncode == 2
    assert "--mentorings" in one_error_line(partial)
    impossible = run(
        workdir, "demo", "--users", "2", "--mentorings", "4", "--messages", "1",
        "--hot-messages", "1",
    )  # fmt: skip
    assert impossible.returncode == 2
    assert "users" in one_error_line(impossible)


def test_demo_takes_a_number_of_mentors_for_a_bulk_dataset(workdir: Path) -> None:
    done = run(
        workdir, "demo", "--users", "40", "--mentorings", "10", "--messages", "30",
        "--hot-messages", "10", "--mentors", "20",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["users"] == 40
    alone = run(workdir, "demo", "--mentors", "20")
    assert alone.returncode == 2
    assert "--mentors" in one_error_line(alone)
    too_many = run(
        workdir, "demo", "--users", "10", "--mentorings", "4", "--messages", "30",
        "--hot-messages", "10", "--mentors", "11", "--replace",
    )  # fmt: skip
    assert too_many.returncode == 2
    assert "mentors" in one_error_line(too_many)
    assert "--mentors N" in run(workdir, "demo", "--help").stdout


@pytest.mark.parametrize(
    ("command", "env", "message"),
    [
        (["db", "upgrade"], {"MENTORAT_DATABASE_URL": "mysql://x/y"}, "MENTORAT_DATABASE_URL"),
        (["user", "verify", "x"], {"MENTORAT_DB_POOL_SIZE": "0"}, "MENTORAT_DB_POOL_SIZE"),
        (["demo"], {"MENTORAT_TRUST_FORWARDED_FOR": "maybe"}, "MENTORAT_TRUST_FORWARDED_FOR"),
        (
            ["user", "verify", "x"],
            {"MENTORAT_DATABASE_URL": "postgresql://u@127.0.0.1:9/x"},
            "MENTORAT_SECRET_KEY",
        ),
    ],
)
def test_bad_settings_are_one_line_and_exit_status_2(
    workdir: Path, command: list[str], env: dict[str, str], message: str
) -> None:
    done = run(workdir, *command, **env)
    assert done.returncode == 2
    assert message in one_error_line(done)


def test_an_unreachable_database_is_one_line_and_exit_status_1(workdir: Path) -> None:
    done = run(
        workdir,
        "user",
        "verify",
        "ada",
        MENTORAT_DATABASE_URL="postgresql://mentorat@127.0.0.1:9/mentorat",
        MENTORAT_SECRET_KEY="k" * 40,
        MENTORAT_DB_CONNECT_TIMEOUT="1",
    )
    assert done.returncode == 1
    assert "unavailable" in one_error_line(done)


def test_importing_the_composition_root_builds_no_web_app(workdir: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, mentorat.bootstrap, mentorat.cli; "
            "assert 'litestar' not in sys.modules and 'uvicorn' not in sys.modules",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_user_create_on_a_never_migrated_database_says_how_to_fix_it(workdir: Path) -> None:
    done = run(workdir, "user", "create", "ada", "--email", "a@example.com", stdin="pw-long-1\n")
    assert done.returncode == 1
    assert one_error_line(done) == (
        "mentorat: the database is not migrated (it has no schema): run `mentorat db upgrade` first"
    )
    for action in ("verify", "deactivate"):
        assert "not migrated" in one_error_line(run(workdir, "user", action, "ada"))
    assert "not migrated" in one_error_line(run(workdir, "expire"))


def test_a_database_behind_this_release_names_both_revisions(workdir: Path) -> None:
    assert run(workdir, "db", "upgrade", "0001").returncode == 0
    done = run(workdir, "user", "create", "ada", "--email", "a@example.com", stdin="pw-long-1\n")
    assert done.returncode == 1
    line = one_error_line(done)
    assert line.startswith("mentorat: the database schema is at revision 0001, older than")
    assert line.endswith(": run `mentorat db upgrade`")


def test_db_upgrade_current_and_history_name_the_revisions(workdir: Path) -> None:
    before = run(workdir, "db", "current")
    assert (before.returncode, before.stdout) == (
        0,
        "no revision: the database was never migrated (run `mentorat db upgrade`)\n",
    )
    history = run(workdir, "db", "history")
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    latest = lines[0].split()[0]
    assert lines[0].startswith(f"{latest} (latest)  ")
    assert [line.split()[0] for line in lines][-1] == "0001"
    partial = run(workdir, "db", "upgrade", "0002")
    assert partial.stdout == (
        f"database upgraded: revision 0002 (the latest is {latest}: run `mentorat db upgrade`)\n"
    )
    upgraded = run(workdir, "db", "upgrade")
    assert upgraded.stdout == f"database upgraded: revision {latest} (the latest)\n"
    assert run(workdir, "db", "current").stdout == f"revision {latest} (the latest)\n"
    assert (
        run(workdir, "db", "history")
        .stdout.splitlines()[0]
        .startswith(f"{latest} (latest, current)  ")
    )
    down = run(workdir, "db", "downgrade", "base")
    assert down.stdout == "database downgraded: base (no tables)\n"


def test_python_dash_m_mentorat_is_the_command_line(workdir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mentorat", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=workdir,
    )
    assert (done.returncode, done.stdout.startswith("mentorat ")) == (0, True), done.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "mentorat", "db", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert helped.returncode == 0
    assert "usage: mentorat db" in helped.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MENTORAT_TRUSTED_PROXIES", "10.0.0.0/33"), ("MENTORAT_LOG_FORMAT", "logfmt")],
)
def test_serve_refuses_a_malformed_setting_with_one_line(
    workdir: Path, variable: str, value: str
) -> None:
    done = run(workdir, "serve", **{variable: value})
    assert done.returncode == 2
    line = one_error_line(done)
    assert line.startswith("mentorat: configuration error:")
    assert variable in line
