"""What an administrator does to accounts from the command line."""

from __future__ import annotations

import pytest

from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.service import Mentorat
from mentorat.domain.errors import NotFound, UserNotFound

from .support import People


async def test_an_administrator_verifies_a_user_by_name_ignoring_case(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    view = await app.verify_user("MAX")
    assert view.is_verified
    assert store.users[people.mentor.id].is_verified


async def test_a_deactivated_user_can_be_reactivated(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    assert not (await app.deactivate_user("mia")).is_active
    assert not store.users[people.mentee.id].is_active
    assert (await app.reactivate_user("mia")).is_active
    assert store.users[people.mentee.id].is_active


@pytest.mark.parametrize("action", ["verify_user", "deactivate_user", "reactivate_user"])
async def test_an_unknown_username_is_not_found(
    app: Mentorat, people: People, store: InMemoryStore, action: str
) -> None:
    with pytest.raises(UserNotFound) as caught:
        await getattr(app, action)("nobody")
    assert isinstance(caught.value, NotFound)
