"""Authenticated callers remembered for a few seconds, with a bound on how late a change bites."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from mentorat import bootstrap
from mentorat.adapters.memory.services import ManualClock
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.identify_caller import RecentCallers
from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.service import Mentorat
from mentorat.application.views import UserView
from mentorat.domain.errors import InvalidToken
from mentorat.domain.users import UserId

from .support import PASSWORD, SECRET, T0, register


def cached_app(store: InMemoryStore, clock: ManualClock, seconds: float) -> Mentorat:
    return bootstrap.in_memory(
        store=store,
        clock=clock,
        secret_key=SECRET,
        hasher=bootstrap.fast_test_hasher(),
        caller_cache_seconds=seconds,
    )


def deactivate_elsewhere(store: InMemoryStore, user_id: UserId) -> None:
    """What another process (the command line, another worker) does: the store changes, this
    process's use cases hear nothing of it."""
    store.users[user_id] = dataclasses.replace(store.users[user_id], is_active=False)


async def a_token(app: Mentorat, name: str = "mia") -> tuple[UserView, str]:
    user = await register(app, name)
    pair = await app.obtain_tokens(LoginCommand(name, PASSWORD, "192.0.2.1"))
    return user, pair.access


async def test_a_recent_caller_is_answered_from_memory_until_the_bound_runs_out() -> None:
    store, clock = InMemoryStore(), ManualClock(T0)
    app = cached_app(store, clock, 5)
    user, access = await a_token(app)
    assert (await app.identify_caller(access)).id == user.id
    deactivate_elsewhere(store, user.id)
    clock.advance(seconds=4.9)
    assert (await app.identify_caller(access)).id == user.id  # within the documented bound
    clock.advance(seconds=0.1)
    with pytest.raises(InvalidToken):
        await app.identify_caller(access)


async def test_a_deactivation_through_this_process_bites_at_once() -> None:
    store, clock = InMemoryStore(), ManualClock(T0)
    app = cached_app(store, clock, 5)
    user, access = await a_token(app)
    await app.identify_caller(access)
    await app.deactivate_user(user.username)
    with pytest.raises(InvalidToken):
        await app.identify_caller(access)
    await app.reactivate_user(user.username)
    await app.verify_user(user.username)
    assert (await app.identify_caller(access)).is_verified


async def test_without_the_cache_every_call_asks_the_store() -> None:
    store, clock = InMemoryStore(), ManualClock(T0)
    app = cached_app(store, clock, 0)
    user, access = await a_token(app)
    await app.identify_caller(access)
    deactivate_elsewhere(store, user.id)
    with pytest.raises(InvalidToken):
        await app.identify_caller(access)


async def test_an_expired_token_is_refused_even_when_its_caller_is_remembered() -> None:
    store, clock = InMemoryStore(), ManualClock(T0)
    app = cached_app(store, clock, 3600)
    _, access = await a_token(app)
    await app.identify_caller(access)
    clock.advance(minutes=5)
    with pytest.raises(InvalidToken, match="expired"):
        await app.identify_caller(access)


def view(n: int) -> UserView:
    return UserView(UserId(n), f"u{n}", "u@example.com", "", "", False, None, False, True)


def test_the_cache_keeps_at_most_its_bound_least_recently_used_first_out() -> None:
    recent = RecentCallers(5, max_entries=2)
    recent.put(view(1), T0)
    recent.put(view(2), T0)
    assert recent.get(UserId(1), T0) is not None  # 1 is now the most recently used
    recent.put(view(3), T0)
    assert len(recent) == 2
    assert recent.get(UserId(2), T0) is None
    assert recent.get(UserId(1), T0) is not None
    assert recent.get(UserId(3), T0) is not None


def test_an_entry_lives_exactly_its_seconds_and_not_across_a_clock_set_back() -> None:
    recent = RecentCallers(5)
    recent.put(view(1), T0)
    assert recent.get(UserId(1), T0 + timedelta(seconds=4.999)) is not None
    assert recent.get(UserId(1), T0 + timedelta(seconds=5)) is None
    recent.put(view(1), T0)
    assert recent.get(UserId(1), T0 - timedelta(seconds=1)) is None


def test_a_disabled_cache_keeps_nothing() -> None:
    recent = RecentCallers(0)
    recent.put(view(1), T0)
    assert not recent.enabled
    assert len(recent) == 0
