"""Refreshing an access token and identifying the caller of a request from it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest

from mentorat.adapters.memory.services import ManualClock
from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.service import Mentorat
from mentorat.domain.errors import AuthenticationFailed, InvalidToken

from .support import PASSWORD, SECRET, People


async def log_in(app: Mentorat, username: str = "mia") -> tuple[str, str]:
    pair = await app.obtain_tokens(LoginCommand(username, PASSWORD, "192.0.2.1"))
    return pair.access, pair.refresh


def forge(
    now: datetime,
    *,
    key: str = SECRET,
    algorithm: str = "HS256",
    drop: str | None = None,
    lifetime: timedelta = timedelta(minutes=5),
    **claims: Any,
) -> str:
    """A token as SimpleJWT, or someone holding the signing key, would mint it."""
    payload: dict[str, Any] = {
        "token_type": "access",
        "exp": int((now + lifetime).timestamp()),
        "iat": int(now.timestamp()),
        "jti": uuid.uuid4().hex,
        "user_id": 1,
    }
    payload.update(claims)
    if drop is not None:
        del payload[drop]
    return jwt.encode(payload, key, algorithm=algorithm)


# --- refresh ---------------------------------------------------------------------------------


async def test_a_refresh_token_buys_a_new_access_token_for_the_same_user(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    _, refresh = await log_in(app)
    clock.advance(hours=2)  # the first access token is long expired
    access = await app.refresh_access(refresh)
    assert (await app.identify_caller(access)).id == people.mentee.id


async def test_an_access_token_is_not_a_refresh_token(app: Mentorat, people: People) -> None:
    access, _ = await log_in(app)
    with pytest.raises(InvalidToken):
        await app.refresh_access(access)


async def test_a_refresh_token_lives_one_day(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    _, refresh = await log_in(app)
    clock.advance(days=1, seconds=-1)
    await app.refresh_access(refresh)
    clock.advance(seconds=1)
    with pytest.raises(InvalidToken, match="expired"):
        await app.refresh_access(refresh)


async def test_a_deactivated_user_cannot_refresh(app: Mentorat, people: People) -> None:
    _, refresh = await log_in(app)
    await app.deactivate_user("mia")
    with pytest.raises(InvalidToken):
        await app.refresh_access(refresh)


# --- identify the caller ---------------------------------------------------------------------


async def test_an_access_token_identifies_its_user(app: Mentorat, people: People) -> None:
    access, _ = await log_in(app, "Max")
    assert await app.identify_caller(access) == people.mentor


async def test_a_refresh_token_is_never_accepted_as_an_access_token(
    app: Mentorat, people: People
) -> None:
    _, refresh = await log_in(app)
    with pytest.raises(InvalidToken) as caught:
        await app.identify_caller(refresh)
    assert isinstance(caught.value, AuthenticationFailed)


async def test_an_access_token_lives_five_minutes(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    access, _ = await log_in(app)
    clock.advance(minutes=5, seconds=-1)
    await app.identify_caller(access)
    clock.advance(seconds=1)
    with pytest.raises(InvalidToken, match="expired"):
        await app.identify_caller(access)


async def test_a_deactivated_user_is_refused_at_once(app: Mentorat, people: People) -> None:
    access, _ = await log_in(app)
    await app.deactivate_user("mia")
    with pytest.raises(InvalidToken):
        await app.identify_caller(access)


async def test_a_token_minted_by_another_issuer_sharing_the_key_is_accepted(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    token = forge(clock.now(), user_id=people.mentee.id, extra="SimpleJWT adds what it likes")
    assert (await app.identify_caller(token)).id == people.mentee.id


async def test_a_user_id_given_as_a_string_of_digits_is_accepted(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    token = forge(clock.now(), user_id=str(people.mentee.id))
    assert (await app.identify_caller(token)).id == people.mentee.id


@pytest.mark.parametrize(
    "user_id", ["abc", "", "1.0", " 1", -1, 0, 1.5, True, None, [1], "٣"], ids=repr
)
async def test_a_user_id_that_is_not_a_positive_integer_is_refused(
    app: Mentorat, people: People, clock: ManualClock, user_id: object
) -> None:
    with pytest.raises(InvalidToken):
        await app.identify_caller(forge(clock.now(), user_id=user_id))


async def test_a_token_for_a_user_who_does_not_exist_is_refused(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    with pytest.raises(InvalidToken):
        await app.identify_caller(forge(clock.now(), user_id=9999))


@pytest.mark.parametrize("claim", ["token_type", "exp", "iat", "jti", "user_id"])
async def test_a_token_missing_a_claim_is_refused(
    app: Mentorat, people: People, clock: ManualClock, claim: str
) -> None:
    token = forge(clock.now(), user_id=people.mentee.id, drop=claim)
    with pytest.raises(InvalidToken):
        await app.identify_caller(token)


async def test_an_expired_token_is_refused(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    token = forge(clock.now(), user_id=people.mentee.id, lifetime=timedelta(seconds=-1))
    with pytest.raises(InvalidToken, match="expired"):
        await app.identify_caller(token)


async def test_an_unsigned_token_with_alg_none_is_refused(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    now = clock.now()
    claims = jwt.decode(
        forge(now, user_id=people.mentee.id),
        SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False},
    )
    token = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(InvalidToken):
        await app.identify_caller(token)


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
async def test_a_token_signed_with_another_algorithm_is_refused(
    app: Mentorat, people: People, clock: ManualClock, algorithm: str
) -> None:
    token = forge(clock.now(), user_id=people.mentee.id, algorithm=algorithm)
    with pytest.raises(InvalidToken):
        await app.identify_caller(token)


async def test_a_token_signed_with_another_key_is_refused(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    token = forge(
        clock.now(),
        user_id=people.mentee.id,
        key="somebody else's signing key, just as long as ours but not the same one",
    )
    with pytest.raises(InvalidToken):
        await app.identify_caller(token)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "Bearer x.y.z"])
async def test_something_that_is_not_a_token_is_refused(
    app: Mentorat, people: People, token: str
) -> None:
    with pytest.raises(InvalidToken):
        await app.identify_caller(token)


async def test_a_token_with_a_tampered_payload_is_refused(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    header, _, signature = forge(clock.now(), user_id=people.mentee.id).split(".")
    other = forge(clock.now(), user_id=people.mentor.id).split(".")[1]
    with pytest.raises(InvalidToken):
        await app.identify_caller(f"{header}.{other}.{signature}")
