"""JwtTokens remembers access tokens it verified: the signature once, the expiry every time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest

from mentorat.adapters.auth.jwt_tokens import JwtTokens
from mentorat.domain.errors import InvalidToken
from mentorat.domain.users import UserId

from .support import SECRET, T0


class CountingDecode:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = jwt.decode

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(jwt, "decode", counting)


def test_a_verified_access_token_is_not_decoded_again(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = JwtTokens(SECRET)
    access = tokens.issue(UserId(7), T0).access
    decode = CountingDecode(monkeypatch)
    assert tokens.verify_access(access, T0).user_id == UserId(7)
    assert tokens.verify_access(access, T0 + timedelta(minutes=4)).user_id == UserId(7)
    assert decode.calls == 1


def test_a_remembered_token_still_expires() -> None:
    tokens = JwtTokens(SECRET)
    access = tokens.issue(UserId(7), T0).access
    tokens.verify_access(access, T0)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify_access(access, T0 + timedelta(minutes=5))
    assert tokens.verified_cached == 0


def test_refused_tokens_are_not_remembered() -> None:
    tokens = JwtTokens(SECRET)
    pair = tokens.issue(UserId(7), T0)
    forged = JwtTokens("another key, just as long as the real one, or longer").issue(UserId(7), T0)
    for bad in (pair.refresh, forged.access, pair.access[:-2]):
        with pytest.raises(InvalidToken):
            tokens.verify_access(bad, T0)
    assert tokens.verified_cached == 0


def test_at_most_the_bound_is_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = JwtTokens(SECRET, verified_cache_size=2)
    first, second, third = (tokens.issue(UserId(n), T0).access for n in (1, 2, 3))
    for access in (first, second, third):
        tokens.verify_access(access, T0)
    assert tokens.verified_cached == 2
    decode = CountingDecode(monkeypatch)
    tokens.verify_access(third, T0)
    assert decode.calls == 0
    tokens.verify_access(first, T0)  # the oldest was let go
    assert decode.calls == 1


def test_a_size_of_zero_remembers_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = JwtTokens(SECRET, verified_cache_size=0)
    access = tokens.issue(UserId(7), T0).access
    decode = CountingDecode(monkeypatch)
    tokens.verify_access(access, T0)
    tokens.verify_access(access, T0)
    assert decode.calls == 2
    assert tokens.verified_cached == 0
