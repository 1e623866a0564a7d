"""Registering an account."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.register_user import RegisterCommand
from mentorat.application.service import Mentorat
from mentorat.domain.errors import (
    InvalidEmail,
    InvalidInput,
    InvalidUsername,
    MentoratError,
    UsernameTaken,
    WeakPassword,
)

from .support import PASSWORD, T0, snapshot


def command(**changes: object) -> RegisterCommand:
    fields: dict[str, object] = {
        "username": "owner",
        "password": PASSWORD,
        "email": "ll@rajapi.com",
        "first_name": "Project",
        "last_name": "Owner",
    }
    fields.update(changes)
    return RegisterCommand(**fields)  # type: ignore[arg-type]


async def test_a_new_user_is_stored_active_unverified_and_without_their_password(
    app: Mentorat, store: InMemoryStore
) -> None:
    view = await app.register_user(command(is_mentor=True, phone_number=" +33 6 12 34 56 78 "))
    assert (view.username, view.email, view.first_name, view.last_name) == (
        "owner",
        "ll@rajapi.com",
        "Project",
        "Owner",
    )
    assert view.is_mentor
    assert view.phone_number == "+33 6 12 34 56 78"
    assert view.is_active
    assert not view.is_verified
    assert not hasattr(view, "password_hash")
    stored = store.users[view.id]
    assert stored.joined_at == T0
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert PasswordHasher().verify(stored.password_hash, PASSWORD)


async def test_optional_details_default_to_a_plain_mentee_without_a_phone(app: Mentorat) -> None:
    view = await app.register_user(RegisterCommand("ada", PASSWORD, "ada@example.com"))
    assert (view.first_name, view.last_name, view.is_mentor, view.phone_number) == (
        "",
        "",
        False,
        None,
    )


async def test_email_and_names_are_stored_stripped(app: Mentorat) -> None:
    view = await app.register_user(
        command(email="  ll@rajapi.com ", first_name=" Project ", last_name="\tOwner\n")
    )
    assert (view.email, view.first_name, view.last_name) == ("ll@rajapi.com", "Project", "Owner")


async def test_each_user_gets_a_new_positive_id(app: Mentorat) -> None:
    first = await app.register_user(command(username="one"))
    second = await app.register_user(command(username="two"))
    assert 0 < first.id < second.id


@pytest.mark.parametrize("taken", ["owner", "OWNER", "Owner"])
async def test_a_username_taken_ignoring_case_is_refused_and_nothing_changes(
    app: Mentorat, store: InMemoryStore, taken: str
) -> None:
    await app.register_user(command(username="owner"))
    before = snapshot(store)
    with pytest.raises(UsernameTaken):
        await app.register_user(command(username=taken, email="other@example.com"))
    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"username": ""}, InvalidUsername, "username"),
        ({"username": "x" * 151}, InvalidUsername, "username"),
        ({"username": "has space"}, InvalidUsername, "username"),
        ({"email": "not-an-email"}, InvalidEmail, "email"),
        ({"password": "short"}, WeakPassword, "password"),
        ({"password": "12345678"}, WeakPassword, "password"),
        ({"first_name": "x" * 151}, InvalidInput, "first_name"),
        ({"phone_number": "call me"}, InvalidInput, "phone_number"),
        ({"phone_number": "+" + "1" * 32}, InvalidInput, "phone_number"),
        ({"email": "nul\x00@example.com"}, InvalidInput, "email"),
        ({"password": "surrogate \udcff"}, InvalidInput, "password"),
        ({"last_name": "nul \x00"}, InvalidInput, "last_name"),
    ],
)
async def test_a_registration_that_breaks_a_rule_is_refused_and_stores_nothing(
    app: Mentorat,
    store: InMemoryStore,
    changes: dict[str, object],
    error: type[MentoratError],
    field: str,
) -> None:
    with pytest.raises(error) as caught:
        await app.register_user(command(**changes))
    assert isinstance(caught.value, InvalidInput)
    assert caught.value.field == field
    assert store.users == {}
    assert store.usernames == {}
