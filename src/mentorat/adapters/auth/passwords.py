"""Password hashes with argon2id, computed off the event loop, a bounded number at a time;
and Django's `pbkdf2_sha256` hashes, checked for accounts brought over from Django."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from mentorat.application.errors import Overloaded

DJANGO_PBKDF2 = "pbkdf2_sha256"
T = TypeVar("T")


class Argon2Hasher:
    """argon2id with RFC 9106's second recommended profile by default (t=3, 64 MiB, p=4).

    Each hash takes `memory_cost_kib` of memory while it runs, so at most `max_concurrent` run
    at once in this process; up to `max_waiting` more wait their turn, and past that a hash or
    a verification raises Overloaded (503 with Retry-After) instead of queueing without end.
    """

    def __init__(
        self,
        *,
        time_cost: int = 3,
        memory_cost_kib: int = 65536,
        parallelism: int = 4,
        max_concurrent: int = 4,
        max_waiting: int = 64,
    ):
        self._hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost_kib,
            parallelism=parallelism,
            type=Type.ID,
        )
        self._decoy: str | None = None
        self._slots = max(1, max_concurrent)
        self._semaphore: asyncio.Semaphore | None = None
        self._max_waiting = max(0, max_waiting)
        self._waiting = 0

    async def _bounded(self, work: Callable[[], T]) -> T:
        # Built on first use, inside the event loop that uses it.
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._slots)
        semaphore = self._semaphore
        if semaphore.locked():
            if self._waiting >= self._max_waiting:
                raise Overloaded()
            self._waiting += 1
            try:
                await semaphore.acquire()
            finally:
                self._waiting -= 1
        else:
            await semaphore.acquire()
        try:
            return await asyncio.to_thread(work)
        finally:
            semaphore.release()

    async def hash(self, password: str) -> str:
        return await self._bounded(lambda: self._hasher.hash(password))

    async def verify(self, password_hash: str, password: str) -> bool:
        if password_hash.startswith(DJANGO_PBKDF2 + "$"):
            # Bounded too: Django's 1,000,000 iterations take a core for a good fraction of a
            # second.
            return await self._bounded(lambda: verify_django_pbkdf2(password_hash, password))
        return await self._bounded(lambda: self._verify(password_hash, password))

    def needs_rehash(self, password_hash: str) -> bool:
        """True for a hash this hasher would not make today (Django's, weaker parameters)."""
        if password_hash.startswith(DJANGO_PBKDF2 + "$"):
            return True
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError):
            return False

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    async def burn(self, password: str) -> None:
        if self._decoy is None:
            self._decoy = await self.hash("not the password of anyone")
        await self.verify(self._decoy, password)


def verify_django_pbkdf2(encoded: str, password: str) -> bool:
    """Django's `PBKDF2PasswordHasher.verify`: `pbkdf2_sha256$<iterations>$<salt>$<hash>`,
    the hash being base64 of PBKDF2-HMAC-SHA256 of the UTF-8 password with the salt as text;
    compared in constant time."""
    try:
        algorithm, iterations, salt, expected = encoded.split("$", 3)
        rounds = int(iterations)
    except ValueError:
        return False
    if algorithm != DJANGO_PBKDF2 or not 0 < rounds <= 10_000_000 or not salt:
        return False
    digest = hashlib.pbkdf2_hmac(
        "sha256",
        password.encode("utf-8", "surrogatepass"),
        salt.encode("utf-8", "surrogatepass"),
        rounds,
    )
    computed = base64.b64encode(digest).decode("ascii")
    return hmac.compare_digest(computed.encode("ascii"), expected.encode("utf-8", "replace"))
