"""The argon2 hasher: a bounded number of hashes at once per process, and Django's PBKDF2."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import pytest

from mentorat.adapters.auth.passwords import Argon2Hasher, verify_django_pbkdf2
from mentorat.application.errors import Overloaded
from mentorat.bootstrap import fast_test_hasher


def cheap(**bounds: int) -> Argon2Hasher:
    return Argon2Hasher(time_cost=1, memory_cost_kib=1024, parallelism=1, **bounds)


def django_hash(password: str, salt: str, iterations: int = 1000) -> str:
    """What Django's PBKDF2PasswordHasher.encode makes, step by step."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode('ascii').strip()}"


async def test_past_the_running_and_waiting_bound_a_hash_is_refused_as_overloaded() -> None:
    hasher = cheap(max_concurrent=1, max_waiting=1)
    first = asyncio.create_task(hasher.hash("password-1"))
    second = asyncio.create_task(hasher.hash("password-2"))
    await asyncio.sleep(0)  # both started: the first runs, the second waits its turn
    with pytest.raises(Overloaded):
        await hasher.hash("password-3")
    assert (await first).startswith("$argon2id$")
    assert (await second).startswith("$argon2id$")
    # Once they are done, there is room again.
    assert await hasher.verify(await hasher.hash("password-4"), "password-4")


async def test_hashes_within_the_bound_all_succeed() -> None:
    hasher = cheap(max_concurrent=2, max_waiting=8)
    hashes = await asyncio.gather(*(hasher.hash(f"password-{n}") for n in range(10)))
    assert len(set(hashes)) == 10


def test_a_django_pbkdf2_hash_verifies_with_django_s_algorithm() -> None:
    encoded = django_hash("Pass123!@", "seasalt123")
    assert verify_django_pbkdf2(encoded, "Pass123!@")
    assert not verify_django_pbkdf2(encoded, "Pass123!")
    assert not verify_django_pbkdf2(encoded.replace("$1000$", "$1001$"), "Pass123!@")
    for broken in ("pbkdf2_sha256$x$salt$hash", "pbkdf2_sha256$1000$$hash", "md5$1$a$b", ""):
        assert not verify_django_pbkdf2(broken, "Pass123!@")


async def test_the_hasher_verifies_django_hashes_and_asks_for_them_to_be_rehashed() -> None:
    hasher = fast_test_hasher()
    encoded = django_hash("Pass123!@", "seasalt123")
    assert await hasher.verify(encoded, "Pass123!@")
    assert hasher.needs_rehash(encoded)
    assert not hasher.needs_rehash(await hasher.hash("Pass123!@"))
    assert Argon2Hasher().needs_rehash(await hasher.hash("Pass123!@"))  # weaker parameters
