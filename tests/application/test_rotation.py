"""Refresh-token rotation: off by default (a refresh token works until it expires); when on,
each refresh token works once and buys a new one."""

from __future__ import annotations

import asyncio

import jwt
import pytest

from mentorat.adapters.memory.services import ManualClock
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.adapters.memory.uow import InMemoryUnitOfWork
from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.service import Mentorat
from mentorat.domain.errors import InvalidToken

from .support import PASSWORD, SECRET, People, Wire


@pytest.fixture
def rotating(store: InMemoryStore, wire: Wire) -> Mentorat:
    """The same store as `app`, with rotation on."""
    return wire(InMemoryUnitOfWork(store), rotate_refresh_tokens=True)


async def refresh_token(app: Mentorat, username: str = "mia") -> str:
    return (await app.obtain_tokens(LoginCommand(username, PASSWORD))).refresh


def claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False}))


# --- off (the default) -------------------------------------------------------------------------


async def test_without_rotation_a_refresh_token_works_again_and_again(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    token = await refresh_token(app)
    first = await app.refresh_tokens(token)
    second = await app.refresh_tokens(token)
    assert first.refresh is second.refresh is None
    assert (await app.identify_caller(second.access)).id == people.mentee.id
    assert await app.refresh_access(token)
    assert store.used_refresh_tokens == {}


def test_rotation_is_off_unless_asked_for(app: Mentorat) -> None:
    assert app.refresh_tokens.rotates is False


# --- on ----------------------------------------------------------------------------------------


async def test_with_rotation_a_refresh_token_works_once_and_buys_a_new_one(
    rotating: Mentorat, people: People, clock: ManualClock
) -> None:
    token = await refresh_token(rotating)
    clock.advance(hours=2)
    first = await rotating.refresh_tokens(token)
    assert first.refresh is not None
    assert (await rotating.identify_caller(first.access)).id == people.mentee.id
    with pytest.raises(InvalidToken, match="blacklisted"):
        await rotating.refresh_tokens(token)
    second = await rotating.refresh_tokens(first.refresh)
    assert second.refresh not in (None, first.refresh)
    assert (await rotating.identify_caller(second.access)).id == people.mentee.id


async def test_a_rotated_refresh_token_is_a_simplejwt_refresh_token_with_a_full_lifetime(
    rotating: Mentorat, people: People, clock: ManualClock
) -> None:
    token = await refresh_token(rotating)
    clock.advance(hours=20)
    new = await rotating.refresh_tokens(token)
    assert new.refresh is not None
    old_claims, new_claims = claims(token), claims(new.refresh)
    assert new_claims["token_type"] == "refresh"
    assert new_claims["user_id"] == old_claims["user_id"] == people.mentee.id
    assert new_claims["jti"] != old_claims["jti"]
    assert new_claims["iat"] == int(clock.now().timestamp())
    assert new_claims["exp"] == int(clock.now().timestamp()) + 86400


async def test_the_access_only_use_case_spends_the_refresh_token_too(
    rotating: Mentorat, people: People
) -> None:
    token = await refresh_token(rotating)
    assert await rotating.refresh_access(token)
    with pytest.raises(InvalidToken):
        await rotating.refresh_access(token)


async def test_of_concurrent_refreshes_with_one_token_exactly_one_succeeds(
    rotating: Mentorat, people: People
) -> None:
    token = await refresh_token(rotating)
    results = await asyncio.gather(
        *(rotating.refresh_tokens(token) for _ in range(10)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, InvalidToken) for r in results if isinstance(r, BaseException))


async def test_a_refresh_refused_for_a_deactivated_user_does_not_spend_the_token(
    rotating: Mentorat, people: People, store: InMemoryStore
) -> None:
    token = await refresh_token(rotating)
    await rotating.deactivate_user("mia")
    with pytest.raises(InvalidToken, match="inactive"):
        await rotating.refresh_tokens(token)
    assert store.used_refresh_tokens == {}
    await rotating.reactivate_user("mia")
    assert (await rotating.refresh_tokens(token)).refresh is not None


async def test_an_expired_refresh_token_is_refused_before_it_is_recorded(
    rotating: Mentorat, people: People, clock: ManualClock, store: InMemoryStore
) -> None:
    token = await refresh_token(rotating)
    clock.advance(days=1)
    with pytest.raises(InvalidToken, match="expired"):
        await rotating.refresh_tokens(token)
    assert store.used_refresh_tokens == {}


async def test_used_tokens_are_forgotten_once_they_have_expired(
    rotating: Mentorat, people: People, clock: ManualClock, store: InMemoryStore
) -> None:
    spent = await refresh_token(rotating)
    await rotating.refresh_tokens(spent)
    clock.advance(days=1, seconds=1)
    fresh = await refresh_token(rotating)
    await rotating.refresh_tokens(fresh)
    assert list(store.used_refresh_tokens) == [claims(fresh)["jti"]]
    with pytest.raises(InvalidToken, match="expired"):
        await rotating.refresh_tokens(spent)


async def test_a_refresh_token_whose_id_cannot_be_stored_is_refused(
    rotating: Mentorat, people: People, clock: ManualClock
) -> None:
    token = jwt.encode(
        {**claims(await refresh_token(rotating)), "jti": "x" * 256}, SECRET, algorithm="HS256"
    )
    with pytest.raises(InvalidToken):
        await rotating.refresh_tokens(token)


@pytest.mark.parametrize("exp", [float("nan"), float("inf")], ids=repr)
async def test_a_token_whose_expiry_is_not_a_finite_number_is_refused(
    rotating: Mentorat, people: People, exp: float
) -> None:
    forged = {**claims(await refresh_token(rotating)), "exp": exp}
    token = jwt.encode(forged, SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        await rotating.refresh_tokens(token)
