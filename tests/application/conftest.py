"""A mentorat on the memory adapters, with a manual clock, an event log and a few people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from mentorat import bootstrap
from mentorat.adapters.auth.jwt_tokens import JwtTokens
from mentorat.adapters.memory.services import InMemoryEventLog, InMemoryLoginThrottle, ManualClock
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.ports import UnitOfWork
from mentorat.application.service import Mentorat

from .support import SECRET, T0, People, Wire, register


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def events() -> InMemoryEventLog:
    return InMemoryEventLog()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def throttle() -> InMemoryLoginThrottle:
    return InMemoryLoginThrottle()


@pytest.fixture
async def app(
    store: InMemoryStore,
    clock: ManualClock,
    events: InMemoryEventLog,
    throttle: InMemoryLoginThrottle,
) -> AsyncIterator[Mentorat]:
    mentorat = bootstrap.in_memory(
        store=store,
        clock=clock,
        events=events,
        throttle=throttle,
        secret_key=SECRET,
        hasher=bootstrap.fast_test_hasher(),
    )
    yield mentorat
    await mentorat.events_hub.aclose()


@pytest.fixture
async def wire(
    clock: ManualClock, events: InMemoryEventLog, throttle: InMemoryLoginThrottle
) -> AsyncIterator[Wire]:
    """`Mentorat.wire` on a unit of work of the test's, with the test's clock, event log and
    throttle; `options` go to `Mentorat.wire`. Every key still being given back in the
    background is dropped when the test ends."""
    wired: list[Mentorat] = []

    def wire_on(uow: UnitOfWork, **options: Any) -> Mentorat:
        mentorat = Mentorat.wire(
            uow=uow,
            clock=clock,
            hasher=bootstrap.fast_test_hasher(),
            tokens=JwtTokens(SECRET),
            throttle=throttle,
            events=events,
            **options,
        )
        wired.append(mentorat)
        return mentorat

    yield wire_on
    for mentorat in wired:
        await mentorat.write_once.aclose()
        await mentorat.events_hub.aclose()


@pytest.fixture
async def people(app: Mentorat, events: InMemoryEventLog) -> People:
    registered = People(
        mentee=await register(app, "mia"),
        mentor=await register(app, "Max", is_mentor=True),
        other_mentor=await register(app, "meg", is_mentor=True),
        stranger=await register(app, "sam"),
    )
    events.events.clear()
    return registered
