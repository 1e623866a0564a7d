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
    account = await app.verify_user("MAX")
    assert account.user.is_verified
    assert store.users[people.mentor.id].is_verified


async def test_a_deactivated_user_can_be_reactivated(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    assert not (await app.deactivate_user("mia")).user.is_active
    assert not store.users[people.mentee.id].is_active
    assert (await app.reactivate_user("mia")).user.is_active
    assert store.users[people.mentee.id].is_active


@pytest.mark.parametrize(
    "action",
    [
        "verify_user",
        "unverify_user",
        "deactivate_user",
        "reactivate_user",
        "promote_user",
        "demote_user",
    ],
)
async def test_an_unknown_username_is_not_found(
    app: Mentorat, people: People, store: InMemoryStore, action: str
) -> None:
    with pytest.raises(UserNotFound) as caught:
        await getattr(app, action)("nobody")
    assert isinstance(caught.value, NotFound)


async def test_an_administrator_is_made_and_unmade_by_name_or_id(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    assert (await app.promote_user("Mia")).user.is_staff
    assert store.users[people.mentee.id].is_staff
    assert not (await app.demote_user(people.mentee.id)).user.is_staff
    assert not store.users[people.mentee.id].is_staff
    with pytest.raises(UserNotFound):
        await app.promote_user(people.mentee.id + 1000)
