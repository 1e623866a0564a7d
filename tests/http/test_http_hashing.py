"""Past the bound on concurrent password hashing, the answer is a 503 with Retry-After."""

from __future__ import annotations

import pytest

from mentorat.application.errors import Overloaded
from mentorat.bootstrap import http_app, in_memory_system
from tests.http.support import PASSWORD, ResponseLog, open_client


class BusyHasher:
    """A hasher whose every slot and waiting place is taken."""

    async def hash(self, password: str) -> str:
        raise Overloaded()

    async def verify(self, password_hash: str, password: str) -> bool:
        raise Overloaded()

    async def burn(self, password: str) -> None:
        raise Overloaded()

    def needs_rehash(self, password_hash: str) -> bool:
        return False


@pytest.mark.allows_5xx
async def test_past_the_hashing_bound_registration_and_login_are_a_503_with_retry_after(
    response_log: ResponseLog,
) -> None:
    system = in_memory_system(hasher=BusyHasher())
    async for client in open_client(http_app(system), response_log):
        body = {"username": "ada", "password": PASSWORD, "email": "ada@example.com"}
        for path in ("/auth/register/", "/auth/token/"):
            response = await client.post(path, json=body)
            assert response.status_code == 503
            assert response.headers["retry-after"] == "1"
            assert response.json() == {
                "detail": "The server is busy checking passwords; retry shortly."
            }
    await system.aclose()
