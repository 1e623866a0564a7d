"""The web pages through Litestar's test client, on the memory system: no server, no browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from litestar.testing import TestClient

from mentorat.bootstrap import System, fast_test_hasher, http_app, in_memory_system

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """A test client that reads each page's form token, as a browser's form would send it."""

    client: TestClient  # type: ignore[type-arg]
    system: System

    def token(self, path: str = "/") -> str:
        page = self.client.get(path)
        found = CSRF.search(page.text)
        assert found, page.text
        return found.group(1)

    def post(self, path: str, data: dict[str, str], *, back: str = "/", **kwargs: object):  # type: ignore[no-untyped-def]
        form = {"csrf_token": self.token(back), "back": back, **data}
        return self.client.post(path, data=form, follow_redirects=False, **kwargs)

    def sign_up(self, username: str, *, mentor: bool = False) -> None:
        data = {
            "username": username,
            "password": f"{username}-pass-2025",
            "email": f"{username}@example.com",
            "first_name": username.title(),
        }
        if mentor:
            data["is_mentor"] = "on"
        answer = self.post("/signup", data, back="/signup")
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/profile"


@pytest.fixture
def system() -> System:
    return in_memory_system(hasher=fast_test_hasher())


@pytest.fixture
def browser(system: System) -> Iterator[Browser]:
    with TestClient(http_app(system).app) as client:
        yield Browser(client, system)
