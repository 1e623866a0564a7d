"""The README's curl walk-through, run as written against a real server, which then restarts."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.support import MENTORAT, Server, server_env

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"


def walkthrough() -> str:
    """The shell blocks of the README's walk-through section, joined as one script."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Walk-through.*?$(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert section, "README.md has no '## Walk-through' section"
    blocks = re.findall(r"^```sh\n(.*?)^```", section[1], re.MULTILINE | re.DOTALL)
    assert blocks, "the walk-through has no ```sh block"
    return "\n".join(blocks)


def run_walkthrough(base: str) -> str:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough()],
        # The reader's environment (curl and python3 on PATH), pointed at this server.
        env={**os.environ, "BASE": base},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"walk-through failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_readme_walkthrough_runs_unchanged_and_its_data_survives_a_restart(
    workdir: Path, make_server: type[Server]
) -> None:
    env = server_env(workdir)
    server = make_server(workdir, env).start()
    key_file = workdir / "mentorat.db.secret"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "created a random signing key" in server.output()

    out = run_walkthrough(server.base)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith(("{", "["))]
    claire, hugo, profile, suggested = lines[:4]
    assert (claire["username"], claire["is_mentor"]) == ("claire", True)
    assert "password" not in claire
    assert (hugo["username"], hugo["is_mentor"]) == ("hugo", False)
    assert (profile["skills"], profile["places_left"]) == (["python", "rest"], 2)
    assert suggested[0]["mentor"]["id"] == claire["id"]
    assert suggested[0]["reasons"][0]["code"] == "skills"
    request = next(line for line in lines if isinstance(line, dict) and "Status" in line)
    assert (request["Status"], request["mentor_id"]) == ("pending", claire["id"])
    assert re.search(r'"Status":\s*"active"', out)
    assert "Bonjour Claire, merci pour votre accord." in out
    assert re.search(r'^link: <[^>]+before=\d+>; rel="prev"', out, re.MULTILINE | re.IGNORECASE)
    assert any(isinstance(line, dict) and line.get("done") is True for line in lines)
    progress = lines[-2][0]
    assert progress["mentor_info"]["phone_number"] == "+33 6 12 34 56 78"
    assert progress["mentee_info"]["username"] == "hugo"
    assert progress["progress"]["message_count"] == 2
    assert (progress["progress"]["goal_count"], progress["progress"]["percent_done"]) == (1, 100.0)
    assert (lines[-1]["id"], lines[-1]["Status"]) == (request["id"], "completed")

    login = httpx.post(
        f"{server.base}/auth/token/", json={"username": "hugo", "password": "hugo-pass-2025"}
    )
    token_before = login.json()["access"]
    assert server.stop() == 0
    assert "Shutting down" in server.output() or "Finished server process" in server.output()

    again = make_server(workdir, env).start()
    auth = {"Authorization": f"Bearer {token_before}"}
    # Same signing key from the same file: a token from before the restart still works.
    assert httpx.get(f"{again.base}/auth/me/", headers=auth).json()["username"] == "hugo"
    chat = httpx.get(
        f"{again.base}/api/mentoring/chat/{request['id']}/messages/", headers=auth
    ).json()
    assert [m["message"] for m in chat] == [
        "Bonjour Claire, merci pour votre accord.",
        "Avec plaisir, Hugo. On commence lundi ?",
    ]
    mentorings = httpx.get(f"{again.base}/api/mentoring/", headers=auth).json()
    assert [(m["id"], m["Status"]) for m in mentorings] == [(request["id"], "completed")]
    assert again.stop() == 0
    assert "unhandled error" not in server.output() + again.output()


def test_the_logs_of_a_walkthrough_are_json_lines_with_ids_and_no_secrets(
    workdir: Path, make_server: type[Server]
) -> None:
    env = server_env(workdir, MENTORAT_LOG_LEVEL="DEBUG")
    server = make_server(workdir, env, workers=2, args=("--access-log",)).start()
    run_walkthrough(server.base)
    traced = httpx.get(f"{server.base}/no/such/page", headers={"X-Request-ID": "e2e-trace-1"})
    assert traced.headers["x-request-id"] == "e2e-trace-1"
    assert server.stop() == 0

    log = server.output()
    # stderr is a file, not a terminal: every line is one JSON object, uvicorn's included.
    lines = [json.loads(line) for line in log.splitlines()]
    assert {"mentorat.server", "uvicorn.error", "mentorat.access"} <= {r["logger"] for r in lines}
    access = [r for r in lines if r["logger"] == "mentorat.access"]
    # One access line per request (uvicorn's own access log is off), each with its id.
    assert not any(r["logger"] == "uvicorn.access" for r in lines)
    assert all(re.fullmatch(r"[0-9a-f]{32}|e2e-trace-1", r["request_id"]) for r in access)
    posts = [r for r in access if r["route"] == "/api/mentoring/chat/{mentoring_id}/messages"]
    # A worker writes its lines together, so two workers' lines may come out of time order.
    assert [r["method"] for r in posts].count("POST") >= 2
    assert all(isinstance(r["user_id"], int) for r in posts)
    [missing] = [r for r in access if r["request_id"] == "e2e-trace-1"]
    assert (missing["status"], missing["user_id"]) == (404, None)
    # Nothing a reader of the logs should learn: passwords, tokens, messages.
    script = walkthrough()
    secrets = re.findall(r'"password": "([^"]+)"', script) + re.findall(
        r'"message": "([^"]+)"', script
    )
    assert len(secrets) >= 4
    for secret in secrets:
        assert secret not in log
    assert "eyJ" not in log
    assert "authorization" not in log.lower()


def test_two_workers_serve_and_stop_cleanly_on_sigterm(
    workdir: Path, make_server: type[Server]
) -> None:
    server = make_server(workdir, server_env(workdir), workers=2).start()
    for _ in range(10):
        assert httpx.get(f"{server.base}/health").status_code == 200
    body = {"username": "w", "password": "longenough1", "email": "w@example.com"}
    assert httpx.post(f"{server.base}/auth/register/", json=body).status_code == 201
    assert server.stop() == 0


def test_a_bare_http_1_1_request_gets_a_401_head_with_bearer_and_json(
    workdir: Path, make_server: type[Server]
) -> None:
    server = make_server(workdir, server_env(workdir)).start()
    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"GET /auth/me/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        raw = b""
        while chunk := conn.recv(65536):
            raw += chunk
    status, *lines = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert status == b"HTTP/1.1 401 Unauthorized"
    # Header names are case-insensitive (RFC 9110): compared ignoring case, values exactly.
    fields = [line.split(b":", 1) for line in lines]
    headers = {name.strip().lower(): value.strip() for name, value in fields}
    assert headers[b"www-authenticate"] == b"Bearer"
    assert headers[b"content-type"] == b"application/json"
    assert server.stop() == 0


def test_a_chunked_upload_over_64_kib_is_refused_while_it_streams(
    workdir: Path, make_server: type[Server]
) -> None:
    server = make_server(workdir, server_env(workdir)).start()

    def chunks() -> object:
        yield b'{"username": "'
        for _ in range(40):
            yield b"a" * 4096
        yield b'"}'

    response = httpx.post(
        f"{server.base}/auth/register/",
        content=chunks(),  # type: ignore[arg-type]
        headers={"Content-Type": "application/json"},
    )
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert response.json()["detail"]
    assert server.stop() == 0


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"MENTORAT_DATABASE_URL": "postgresql://u@127.0.0.1:9/x"}, "MENTORAT_SECRET_KEY"),
        ({"MENTORAT_ACCESS_TOKEN_LIFETIME": "soon"}, "MENTORAT_ACCESS_TOKEN_LIFETIME"),
        ({"MENTORAT_DATABASE_URL": "mysql://localhost/x"}, "MENTORAT_DATABASE_URL"),
        ({"MENTORAT_LOG_LEVEL": "LOUD"}, "MENTORAT_LOG_LEVEL"),
    ],
)
def test_serve_with_bad_settings_exits_with_one_clear_line_and_no_traceback(
    workdir: Path, variables: dict[str, str], message: str
) -> None:
    done = subprocess.run(
        [MENTORAT, "serve", "--port", "9"],
        env=server_env(workdir, **variables),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("mentorat:")]
    assert len(errors) == 1, done.stderr
    assert message in errors[0]


@pytest.mark.postgres
def test_serve_brings_a_fresh_postgresql_database_to_the_latest_schema_by_itself(
    workdir: Path, make_server: type[Server], postgres_url: str
) -> None:
    import uuid

    import psycopg

    admin, _, _ = postgres_url.rpartition("/")
    name = f"mentorat_fresh_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env = server_env(
            workdir,
            MENTORAT_DATABASE_URL=f"{admin}/{name}",
            MENTORAT_SECRET_KEY="a-test-signing-key-of-at-least-32-bytes",
        )
        server = make_server(workdir, env, workers=2).start()
        body = {"username": "fresh", "password": "longenough1", "email": "f@example.com"}
        assert httpx.post(f"{server.base}/auth/register/", json=body).status_code == 201
        assert httpx.get(f"{server.base}/ready").status_code == 200
        assert server.stop() == 0
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
