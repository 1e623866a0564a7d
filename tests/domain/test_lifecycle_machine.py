"""The mentoring lifecycle state machine (`tests/domain/lifecycle.py`), on the memory store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mentorat import bootstrap
from mentorat.adapters.memory.services import ManualClock
from mentorat.application.ports import EventPublisher
from mentorat.application.service import Mentorat
from tests.domain.lifecycle import lifecycle_test_case


@asynccontextmanager
async def open_memory_system(clock: ManualClock, events: EventPublisher) -> AsyncIterator[Mentorat]:
    yield bootstrap.in_memory(
        clock=clock,
        events=events,
        hasher=bootstrap.fast_test_hasher(),
        secret_key="the lifecycle machine never signs a token, but its key is long anyway",
    )


TestLifecycleInMemory = lifecycle_test_case(open_memory_system)
