"""Failed-login and registration counters in the database, so that every worker process sees
the same ones."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import ScalarSelect, bindparam, delete, insert, select

from mentorat.adapters.sql.database import Database
from mentorat.adapters.sql.mapping import bound
from mentorat.adapters.sql.statements import Statement
from mentorat.adapters.sql.tables import UtcDateTime, login_failures, registration_attempts
from mentorat.domain.users import username_key

_BY_USERNAME, _BY_ADDRESS = "u", "a"
_KEY_MAX: Final = 600  # login_failures.key's length


def _fit(key: str) -> str:
    """`key` as the column can hold it: a digest when it is too long or holds what no text
    column keeps (NUL, a lone surrogate). `#` starts no username or address, so none collides."""
    if len(key) <= _KEY_MAX and "\x00" not in key:
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            return key
    return "#" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def throttle_key(username: str) -> str:
    """The key failed logins of `username` are counted under: its `username_key` (so that
    full-width or differently cased spellings of one name share one count), fitted."""
    return _fit(username_key(username))


def _nth_recent(scope: str) -> ScalarSelect[datetime]:
    """The failure time that, once it leaves the window, lets this key try again.

    With `limit` failures allowed per window, that is the limit-th most recent one still in
    the window; no such row means the key is under its limit.
    """
    return (
        select(login_failures.c.failed_at)
        .where(
            login_failures.c.scope == scope,
            login_failures.c.key == bindparam(f"{scope}_key"),
            login_failures.c.failed_at > bindparam("since", type_=UtcDateTime),
        )
        .order_by(login_failures.c.failed_at.desc())
        .limit(1)
        .offset(bindparam(f"{scope}_offset"))
        .scalar_subquery()
    )


_BLOCKERS: Final = Statement(select(_nth_recent(_BY_USERNAME), _nth_recent(_BY_ADDRESS)))
_RECORD: Final = Statement(
    insert(login_failures).values(bound(login_failures, ["scope", "key", "failed_at"]))
)
_PRUNE: Final = Statement(
    delete(login_failures).where(
        login_failures.c.failed_at <= bindparam("since", type_=UtcDateTime)
    )
)


class SqlLoginThrottle:
    """Implements `application.ports.LoginThrottle` with the `login_failures` table.

    Same rule as the in-memory throttle: at most `per_username` failures per username (ignoring
    case) and `per_address` per known client address within a sliding window of
    `window_seconds`.
    """

    def __init__(
        self,
        database: Database,
        *,
        per_username: int = 10,
        per_address: int = 50,
        window_seconds: int = 60,
    ) -> None:
        self._database = database
        self._per_username, self._per_address = per_username, per_address
        self._window = timedelta(seconds=window_seconds)

    async def retry_after(self, username: str, address: str, now: datetime) -> int:
        params = {
            "u_key": throttle_key(username),
            "u_offset": self._per_username - 1,
            # An empty address means "unknown" and is never recorded (as in memory), so it
            # matches no row here and the statement stays the same.
            "a_key": _fit(address),
            "a_offset": self._per_address - 1,
            "since": now - self._window,
        }
        async with self._database.connect(write=False) as run:
            row = await run.first(_BLOCKERS, params)
        assert row is not None  # a SELECT of two scalar subqueries
        wait = max(
            (
                (failed_at + self._window - now).total_seconds()
                for failed_at in row
                if failed_at is not None
            ),
            default=0.0,
        )
        return max(0, math.ceil(wait))

    async def record_failure(self, username: str, address: str, now: datetime) -> None:
        rows = [{"scope": _BY_USERNAME, "key": throttle_key(username), "failed_at": now}]
        if address:
            rows.append({"scope": _BY_ADDRESS, "key": _fit(address), "failed_at": now})
        async with self._database.connect() as run:
            await run.execute_many(_RECORD, rows)
            # Failures that left the window count for nobody: keep the table small.
            await run.execute(_PRUNE, {"since": now - self._window})
            await run.commit()


_R: Final = registration_attempts
_NTH_REGISTRATION: Final = Statement(
    select(_R.c.attempted_at)
    .where(
        _R.c.address == bindparam("address"),
        _R.c.attempted_at > bindparam("since", type_=UtcDateTime),
    )
    .order_by(_R.c.attempted_at.desc())
    .limit(1)
    .offset(bindparam("offset"))
)
_RECORD_REGISTRATION: Final = Statement(insert(_R).values(bound(_R, ["address", "attempted_at"])))
_PRUNE_REGISTRATIONS: Final = Statement(
    delete(_R).where(_R.c.attempted_at <= bindparam("since", type_=UtcDateTime))
)


class SqlRegistrationThrottle:
    """Implements `application.ports.RegistrationThrottle` with the `registration_attempts`
    table: the same rule as the in-memory throttle, shared by every worker process.

    Two registrations from one address at the same instant may both pass the check before
    either is counted; the bound holds to within the number of workers.
    """

    def __init__(
        self, database: Database, *, per_address: int = 20, window_seconds: int = 3600
    ) -> None:
        self._database = database
        self._limit = per_address
        self._window = timedelta(seconds=window_seconds)

    async def admit(self, address: str, now: datetime) -> int:
        if not address:
            return 0
        since = now - self._window
        key = _fit(address)
        async with self._database.connect() as run:
            row = await run.first(
                _NTH_REGISTRATION, {"address": key, "since": since, "offset": self._limit - 1}
            )
            if row is not None:
                oldest_counted: datetime = row[0]
                return max(1, math.ceil((oldest_counted + self._window - now).total_seconds()))
            await run.execute(_RECORD_REGISTRATION, {"address": key, "attempted_at": now})
            await run.execute(_PRUNE_REGISTRATIONS, {"since": since})
            await run.commit()
        return 0
