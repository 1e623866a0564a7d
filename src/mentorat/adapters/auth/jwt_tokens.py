"""HS256 JWTs with the claims djangorestframework-simplejwt uses, so tokens cross both ways."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from mentorat.application.lru import Lru
from mentorat.application.ports import AccessGrant, RefreshGrant, TokenClaims, TokenPair
from mentorat.domain.errors import InvalidToken
from mentorat.domain.users import UserId

ALGORITHM = "HS256"
_REQUIRED = ["token_type", "exp", "iat", "jti", "user_id"]
# A refresh token's jti is stored once the token is used (rotation); ours are 32 hex digits.
JTI_MAX_LENGTH = 255
# 9999-12-31T23:59:59Z: an `exp` beyond it is kept as that, which every store can hold.
_LATEST_EXP = 253402300799
# Access tokens already verified, remembered per process: a client sends the same token with
# every request for its whole (short) life, and decoding it again costs more than the rest of
# a cached authentication.
VERIFIED_CACHE_SIZE = 4096


class JwtTokens:
    def __init__(
        self,
        secret_key: str,
        *,
        access_lifetime: timedelta = timedelta(minutes=5),
        refresh_lifetime: timedelta = timedelta(days=1),
        verified_cache_size: int = VERIFIED_CACHE_SIZE,
    ) -> None:
        """`verified_cache_size`: how many verified access tokens to remember (0: none).

        A remembered token skips the signature check, never the `exp` check: the signature and
        claims of a given token string never change, its expiry is compared on every use.
        """
        if not secret_key:
            raise ValueError("the JWT signing key must not be empty")
        self._key = secret_key
        self._lifetimes = {"access": access_lifetime, "refresh": refresh_lifetime}
        self._verified: Lru[str, tuple[AccessGrant, float]] = Lru(verified_cache_size)

    def _mint(self, token_type: str, user_id: UserId, now: datetime) -> str:
        claims = {
            "token_type": token_type,
            "exp": int((now + self._lifetimes[token_type]).timestamp()),
            "iat": int(now.timestamp()),
            "jti": uuid.uuid4().hex,
            "user_id": int(user_id),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def _claims(self, token: str, token_type: str | None, now: datetime) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken("Token is invalid") from error
        exp = claims["exp"]
        if not isinstance(exp, int | float) or isinstance(exp, bool) or not math.isfinite(exp):
            # JSON parsers take NaN and Infinity: an `exp` of NaN would never compare as past.
            raise InvalidToken("Token is invalid")
        if exp <= now.timestamp():
            raise InvalidToken("Token is expired")
        if token_type is not None and claims["token_type"] != token_type:
            raise InvalidToken("Token has wrong type")
        if not isinstance(claims["jti"], str) or not claims["jti"]:
            raise InvalidToken("Token has no id")
        return claims

    def issue(self, user_id: UserId, now: datetime) -> TokenPair:
        return TokenPair(
            access=self._mint("access", user_id, now),
            refresh=self._mint("refresh", user_id, now),
        )

    def refresh(self, refresh_token: str, now: datetime, *, rotate: bool = False) -> RefreshGrant:
        claims = self._claims(refresh_token, "refresh", now)
        user_id = _user_id(claims["user_id"])
        jti: str = claims["jti"]
        if len(jti) > JTI_MAX_LENGTH or not (jti.isascii() and jti.isprintable()):
            raise InvalidToken("Token has no valid id")
        # As SimpleJWT rotates: a new refresh token for the same user, with a new jti and a
        # full lifetime from now.
        return RefreshGrant(
            user_id=user_id,
            jti=jti,
            expires_at=datetime.fromtimestamp(min(claims["exp"], _LATEST_EXP), UTC),
            access=self._mint("access", user_id, now),
            refresh=self._mint("refresh", user_id, now) if rotate else None,
            issued_at=_issued_at(claims["iat"]),
        )

    def verify_access(self, access_token: str, now: datetime) -> AccessGrant:
        known = self._verified.get(access_token)
        if known is not None:
            grant, exp = known
            if exp <= now.timestamp():
                self._verified.pop(access_token)
                raise InvalidToken("Token is expired")
            return grant
        claims = self._claims(access_token, "access", now)
        grant = AccessGrant(_user_id(claims["user_id"]), _issued_at(claims["iat"]))
        self._verified.put(access_token, (grant, float(claims["exp"])))
        return grant

    def read(self, token: str, now: datetime) -> TokenClaims:
        claims = self._claims(token, None, now)
        token_type = claims["token_type"]
        if not isinstance(token_type, str):
            raise InvalidToken("Token has wrong type")
        jti: str = claims["jti"]
        if len(jti) > JTI_MAX_LENGTH or not (jti.isascii() and jti.isprintable()):
            raise InvalidToken("Token has no valid id")
        return TokenClaims(
            token_type=token_type,
            user_id=_user_id(claims["user_id"]),
            jti=jti,
            issued_at=_issued_at(claims["iat"]),
            expires_at=datetime.fromtimestamp(min(claims["exp"], _LATEST_EXP), UTC),
        )

    @property
    def verified_cached(self) -> int:
        """How many verified access tokens are remembered now (for tests and diagnostics)."""
        return len(self._verified)


def _issued_at(raw: object) -> int:
    """`iat` in whole seconds; a token without a usable one counts as issued at the epoch
    (older than any password change)."""
    if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        return int(raw)
    return 0


def _user_id(raw: object) -> UserId:
    # SimpleJWT issues an int; recent releases issue a string of digits. Nothing else passes.
    if isinstance(raw, bool):
        raise InvalidToken("Token contained no recognizable user identification")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit():
        value = int(raw)
    else:
        raise InvalidToken("Token contained no recognizable user identification")
    if not 0 < value < 2**63:
        raise InvalidToken("Token contained no recognizable user identification")
    return UserId(value)
