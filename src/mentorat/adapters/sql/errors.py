"""Driver errors turned into port-level errors, so nothing from a driver reaches the caller.

A unique index the domain knows about becomes that domain error (a racing twin of a checked
request gets the same `OpenMentoringExists` the check would have raised); any other broken
constraint is a `StorageConflict`; everything else the driver or the pool can throw is
`StorageUnavailable`, which the edges answer with "retry shortly".
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from mentorat.application.errors import StorageUnavailable
from mentorat.domain.errors import (
    Conflict,
    MentoratError,
    OpenMentoringExists,
    UsernameTaken,
)

log = logging.getLogger(__name__)

USERNAME_UNIQUE = "uq_users_username_key"
OPEN_PAIR_UNIQUE = "uq_mentorings_open_pair"

# SQLite names the columns, not the index, in its message.
_SQLITE_UNIQUE_COLUMNS = {
    "users.username_key": USERNAME_UNIQUE,
    "mentorings.mentor_id, mentorings.mentee_id": OPEN_PAIR_UNIQUE,
}


class StorageConflict(Conflict):
    """The database refused a write for a constraint no domain rule names (a missed check)."""

    def __init__(self) -> None:
        super().__init__("The change conflicts with the stored data.")


def _violated_constraint(error: exc.IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if isinstance(name, str):
        return name
    text = str(error.orig)
    prefix = "UNIQUE constraint failed: "
    if text.startswith(prefix):
        return _SQLITE_UNIQUE_COLUMNS.get(text[len(prefix) :].strip())
    return None


def translate(error: BaseException) -> MentoratError:
    """The port-level error that stands for a driver or pool error (see `is_driver_error`)."""
    if isinstance(error, exc.IntegrityError):
        constraint = _violated_constraint(error)
        if constraint == USERNAME_UNIQUE:
            return UsernameTaken()
        if constraint == OPEN_PAIR_UNIQUE:
            return OpenMentoringExists()
        log.warning("constraint violation no domain rule caught: %s", error.orig)
        return StorageConflict()
    log.warning("database unavailable: %s: %s", type(error).__name__, error)
    return StorageUnavailable()


# What the database, the driver or the pool can throw at a correct program: refused or killed
# connections, timeouts, a locked SQLite file, a pool with no connection to spare, and the
# aftermath of a connection lost mid-transaction. SQLAlchemy's other errors (a statement that
# does not compile, a value the column type refuses) are bugs and travel as they are.
DRIVER_ERRORS = (
    exc.DBAPIError,
    exc.TimeoutError,
    exc.DisconnectionError,
    exc.PendingRollbackError,
    exc.ResourceClosedError,
    OSError,
)


def is_driver_error(error: BaseException) -> bool:
    return isinstance(error, DRIVER_ERRORS)


@contextmanager
def translated() -> Iterator[None]:
    """Run a block of statements; driver errors leave it as port-level errors."""
    try:
        yield
    except DRIVER_ERRORS as error:
        raise translate(error) from error
