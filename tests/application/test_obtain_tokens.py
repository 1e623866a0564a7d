"""Logging in: credentials for tokens, with failed attempts throttled."""

from __future__ import annotations

import jwt
import pytest

from mentorat import bootstrap
from mentorat.adapters.auth.jwt_tokens import JwtTokens
from mentorat.adapters.memory.services import InMemoryLoginThrottle, ManualClock
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.adapters.memory.uow import InMemoryUnitOfWork
from mentorat.application.errors import Throttled
from mentorat.application.obtain_tokens import LoginCommand, ObtainTokens
from mentorat.application.service import Mentorat
from mentorat.domain.errors import AuthenticationFailed, InvalidCredentials

from .support import PASSWORD, SECRET, People

MESSAGE = "No active account found with the given credentials"
HOME = "192.0.2.1"


async def test_the_right_password_gives_an_access_and_a_refresh_token(
    app: Mentorat, people: People
) -> None:
    pair = await app.obtain_tokens(LoginCommand("mia", PASSWORD, HOME))
    access = jwt.decode(pair.access, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    refresh = jwt.decode(pair.refresh, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert (access["token_type"], access["user_id"]) == ("access", people.mentee.id)
    assert (refresh["token_type"], refresh["user_id"]) == ("refresh", people.mentee.id)
    assert (await app.identify_caller(pair.access)).id == people.mentee.id


async def test_the_username_is_matched_ignoring_case(app: Mentorat, people: People) -> None:
    pair = await app.obtain_tokens(LoginCommand("MIA", PASSWORD, HOME))
    assert (await app.identify_caller(pair.access)).username == "mia"


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("mia", "wrong password"),
        ("nobody", PASSWORD),
        ("mia", ""),
        ("", ""),
        ("mia", "lone \ud800 surrogate"),
        ("mi\x00a", PASSWORD),
        ("\udcff", PASSWORD),
    ],
)
async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    app: Mentorat, people: People, username: str, password: str
) -> None:
    with pytest.raises(InvalidCredentials) as caught:
        await app.obtain_tokens(LoginCommand(username, password, HOME))
    assert str(caught.value) == caught.value.message == MESSAGE
    assert isinstance(caught.value, AuthenticationFailed)


async def test_a_deactivated_user_cannot_log_in_even_with_the_right_password(
    app: Mentorat, people: People
) -> None:
    await app.deactivate_user("mia")
    with pytest.raises(InvalidCredentials, match=MESSAGE):
        await app.obtain_tokens(LoginCommand("mia", PASSWORD, HOME))
    await app.reactivate_user("mia")
    await app.obtain_tokens(LoginCommand("mia", PASSWORD, HOME))


async def fail(app: Mentorat, times: int, *, username: str = "mia", address: str = HOME) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            await app.obtain_tokens(LoginCommand(username, "wrong password", address))


async def test_ten_failures_for_one_username_in_a_minute_throttle_it_for_the_rest_of_the_minute(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    await fail(app, 9)
    clock.advance(seconds=10)
    await fail(app, 1)
    with pytest.raises(Throttled) as caught:
        await app.obtain_tokens(LoginCommand("mia", PASSWORD, HOME))
    # The first failure leaves the window 60 s after it happened: 50 s from now.
    assert caught.value.retry_after == 50
    clock.advance(seconds=20)
    with pytest.raises(Throttled) as caught:
        await app.obtain_tokens(LoginCommand("mia", PASSWORD, "198.51.100.7"))
    assert caught.value.retry_after == 30
    clock.advance(seconds=30)
    await app.obtain_tokens(LoginCommand("mia", PASSWORD, HOME))


async def test_retry_after_is_rounded_up_to_a_whole_second(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    await fail(app, 10)
    clock.advance(seconds=0.25)
    with pytest.raises(Throttled) as caught:
        await app.obtain_tokens(LoginCommand("mia", PASSWORD, HOME))
    assert caught.value.retry_after == 60


async def test_the_username_throttle_ignores_case_and_spares_other_users(
    app: Mentorat, people: People
) -> None:
    await fail(app, 5, username="MIA")
    await fail(app, 5, username="mia")
    with pytest.raises(Throttled):
        await app.obtain_tokens(LoginCommand("Mia", PASSWORD, HOME))
    await app.obtain_tokens(LoginCommand("max", PASSWORD, HOME))


async def test_fifty_failures_from_one_address_throttle_that_address_for_every_username(
    app: Mentorat, people: People
) -> None:
    for n in range(50):
        await fail(app, 1, username=f"guess{n}")
    with pytest.raises(Throttled) as caught:
        await app.obtain_tokens(LoginCommand("max", PASSWORD, HOME))
    assert caught.value.retry_after == 60
    await app.obtain_tokens(LoginCommand("max", PASSWORD, "198.51.100.7"))


async def test_callers_without_an_address_do_not_share_one_address_bucket(
    app: Mentorat, people: People
) -> None:
    for n in range(60):
        await fail(app, 1, username=f"guess{n}", address="")
    await app.obtain_tokens(LoginCommand("max", PASSWORD))


async def test_successful_logins_are_not_counted_as_failures(app: Mentorat, people: People) -> None:
    await fail(app, 9)
    for _ in range(20):
        await app.obtain_tokens(LoginCommand("mia", PASSWORD, HOME))
    await fail(app, 1)
    with pytest.raises(Throttled):
        await app.obtain_tokens(LoginCommand("mia", PASSWORD, HOME))


async def test_a_throttled_attempt_is_not_counted_either(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    await fail(app, 10)
    clock.advance(seconds=30)
    for _ in range(10):
        with pytest.raises(Throttled):
            await app.obtain_tokens(LoginCommand("mia", "wrong password", HOME))
    clock.advance(seconds=30)
    await app.obtain_tokens(LoginCommand("mia", PASSWORD, HOME))


async def test_failures_leave_the_window_one_by_one(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    for _ in range(10):
        await fail(app, 1)
        clock.advance(seconds=5)
    # Failures at 0, 5, ..., 45 s; now is 50 s. The one at 0 s leaves at 60 s.
    with pytest.raises(Throttled) as caught:
        await app.obtain_tokens(LoginCommand("mia", PASSWORD, HOME))
    assert caught.value.retry_after == 10
    clock.advance(seconds=10)
    await fail(app, 1)  # back to ten failures in the window: 5 s ... 60 s
    with pytest.raises(Throttled) as caught:
        await app.obtain_tokens(LoginCommand("mia", PASSWORD, HOME))
    assert caught.value.retry_after == 5


async def test_the_limits_and_window_are_configurable(clock: ManualClock) -> None:
    throttle = InMemoryLoginThrottle(per_username=2, per_address=3, window_seconds=10)
    assert await throttle.retry_after("mia", HOME, clock.now()) == 0
    await throttle.record_failure("mia", HOME, clock.now())
    await throttle.record_failure("mia", HOME, clock.now())
    assert await throttle.retry_after("mia", HOME, clock.now()) == 10
    await throttle.record_failure("max", HOME, clock.now())
    assert await throttle.retry_after("sam", HOME, clock.now()) == 10
    clock.advance(seconds=10)
    assert await throttle.retry_after("mia", HOME, clock.now()) == 0
    assert await throttle.retry_after("sam", HOME, clock.now()) == 0


class CountingHasher:
    """The fast hasher, counting the verifications it runs (real or burnt)."""

    def __init__(self) -> None:
        self._inner = bootstrap.fast_test_hasher()
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return await self._inner.hash(password)

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return await self._inner.verify(password_hash, password)

    async def burn(self, password: str) -> None:
        self.verifications += 1
        await self._inner.burn(password)


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("m" * 151, PASSWORD),
        ("x" * 100_000, PASSWORD),
        ("mi\x00a", PASSWORD),
        ("\udcff", PASSWORD),
        ("mia", "lone \ud800 surrogate"),
    ],
)
async def test_an_impossible_login_costs_one_hash_like_a_wrong_one_and_is_counted(
    store: InMemoryStore, clock: ManualClock, people: People, username: str, password: str
) -> None:
    hasher = CountingHasher()
    throttle = InMemoryLoginThrottle()
    login = ObtainTokens(InMemoryUnitOfWork(store), hasher, JwtTokens(SECRET), throttle, clock)
    for attempt in range(10):
        with pytest.raises(InvalidCredentials, match=MESSAGE):
            await login(LoginCommand(username, password, f"198.51.100.{attempt}"))
    assert hasher.verifications == 10
    with pytest.raises(Throttled):
        await login(LoginCommand(username, password, HOME))
