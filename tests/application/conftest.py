"""A mentorat on the memory adapters, with a manual clock, an event log and a few people."""

from __future__ import annotations

import pytest

from mentorat import bootstrap
from mentorat.adapters.memory.repositories import InMemoryStore
from mentorat.adapters.memory.services import InMemoryEventLog, InMemoryLoginThrottle, ManualClock
from mentorat.application.service import Mentorat

from .support import SECRET, T0, People, register


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
def app(
    store: InMemoryStore,
    clock: ManualClock,
    events: InMemoryEventLog,
    throttle: InMemoryLoginThrottle,
) -> Mentorat:
    return bootstrap.in_memory(
        store=store,
        clock=clock,
        events=events,
        throttle=throttle,
        secret_key=SECRET,
        hasher=bootstrap.fast_test_hasher(),
    )


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
