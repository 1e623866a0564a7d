"""A real `mentorat serve` process on a free port, on a SQLite file in a given directory."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

MENTORAT = str(Path(sys.executable).with_name("mentorat"))
FAST_ARGON2 = {
    "MENTORAT_ARGON2_TIME_COST": "1",
    "MENTORAT_ARGON2_MEMORY_KIB": "1024",
    "MENTORAT_ARGON2_PARALLELISM": "1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(directory: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORAT_")}
    env.update(FAST_ARGON2)
    env["MENTORAT_DATABASE_URL"] = f"sqlite:///{directory / 'mentorat.db'}"
    env["MENTORAT_LOG_LEVEL"] = "INFO"
    env.update(extra)
    return env


class Server:
    """One `mentorat serve` process; `stop()` sends SIGTERM and returns the exit status."""

    def __init__(
        self, directory: Path, env: dict[str, str], *, workers: int = 1, args: tuple[str, ...] = ()
    ) -> None:
        self.directory, self.env, self.workers, self.args = directory, env, workers, args
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = directory / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    MENTORAT,
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                    *self.args,
                ],
                cwd=self.directory,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"mentorat serve exited early:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.base}/ready", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"mentorat serve did not become ready:\n{self.log.read_text()}")

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            log = self.log.read_text()
            raise AssertionError(f"mentorat serve ignored SIGTERM:\n{log}") from None

    def output(self) -> str:
        return self.log.read_text()


class EventStream:
    """A `text/event-stream` response read line by line (`httpx` streaming)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()

    def opened(self) -> EventStream:
        """Read up to the stream's `: stream open` line: it follows from there on."""
        for line in self._lines:
            if line == ": stream open":
                return self
        raise AssertionError("the stream ended before it opened")

    def next(self) -> dict[str, Any]:
        """The next event: {"id": int (None for an event without one), "event": str, "data":
        the parsed JSON}."""
        fields: dict[str, str] = {}
        for line in self._lines:
            if line.startswith(":"):
                continue
            if not line:
                if fields:
                    return {
                        "id": int(fields["id"]) if "id" in fields else None,
                        "event": fields["event"],
                        "data": json.loads(fields["data"]),
                    }
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        raise AssertionError("the stream ended")

    def ended(self) -> bool:
        """Whether the server ends the stream with nothing more in it (comments aside)."""
        return all(line.startswith(":") or not line for line in self._lines)


@contextlib.contextmanager
def event_stream(
    base: str, token: str, *, after: int | None = None, last_event_id: int | None = None
) -> Iterator[EventStream]:
    """The caller's `/api/events/` stream, opened (a read that waits 30 s fails the test)."""
    headers = {"Authorization": f"Bearer {token}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    params = {} if after is None else {"after": str(after)}
    timeout = httpx.Timeout(30.0)
    with httpx.stream(
        "GET", f"{base}/api/events/", headers=headers, params=params, timeout=timeout
    ) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventStream(response).opened()


def api_user(base: str, name: str, *, mentor: bool = False) -> tuple[int, str]:
    """Register `name` through the API; (their id, an access token)."""
    password = "a long passphrase"
    body = {"username": name, "password": password, "email": f"{name}@example.com"}
    created = httpx.post(f"{base}/auth/register/", json={**body, "is_mentor": mentor})
    assert created.status_code == 201, created.text
    tokens = httpx.post(f"{base}/auth/token/", json={"username": name, "password": password})
    assert tokens.status_code == 200, tokens.text
    return created.json()["id"], tokens.json()["access"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# The API calls the event stream tests make, as (id, access token) pairs.
def ask(base: str, mentee: tuple[int, str], mentor: tuple[int, str]) -> dict[str, Any]:
    body = {"mentor_id": mentor[0], "Start_Date": "2025-01-01", "End_Date": "2025-12-31"}
    answer = httpx.post(f"{base}/api/mentorship/demande/", json=body, headers=bearer(mentee[1]))
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def say(base: str, who: tuple[int, str], mentoring_id: int, text: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{base}/api/mentoring/chat/{mentoring_id}/messages/",
        json={"message": text},
        headers=bearer(who[1]),
    )
    assert answer.status_code == 201, answer.text
    posted: dict[str, Any] = answer.json()
    return posted
