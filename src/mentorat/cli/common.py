"""What every command shares: its refusals, and running a use case on a system of its own."""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from mentorat import bootstrap
from mentorat.application.errors import StorageUnavailable
from mentorat.application.views import AccountView, UserView
from mentorat.settings import Settings, resolve_secret_key

log = logging.getLogger("mentorat.cli")
T = TypeVar("T")

EXIT_REFUSED = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A refusal worth one line on stderr, with the exit status to leave with."""

    def __init__(self, message: str, status: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.status = status


def with_system(settings: Settings, action: Callable[[bootstrap.System], Awaitable[T]]) -> T:
    """Run `action` on a system opened on the configured database, and close it."""
    # Administration needs no signing key of its own; the server's is not touched.
    system = bootstrap.open_system(resolve_secret_key(settings))

    async def run() -> T:
        try:
            return await action(system)
        finally:
            await system.aclose()

    try:
        return asyncio.run(run())
    except StorageUnavailable:
        refuse_if_not_migrated(settings)
        raise


def refuse_if_not_migrated(settings: Settings) -> None:
    """After a storage error: when the database answers but lacks this release's schema, say
    so and how to fix it, rather than "unavailable; retry" (a missing table looks like that)."""
    try:
        revision = bootstrap.database_revision(settings)
    except Exception as error:  # truly unavailable: the caller reports the original error
        log.debug("no current revision", exc_info=error)
        return
    latest = bootstrap.latest_revision()
    if revision is None:
        raise CommandError(
            "the database is not migrated (it has no schema): run `mentorat db upgrade` first"
        ) from None
    if revision != latest:
        raise CommandError(
            f"the database schema is at revision {revision}, older than this release's "
            f"{latest}: run `mentorat db upgrade`"
        ) from None


def read_password() -> str:
    """From an interactive prompt (typed twice), or the first line of stdin; never from argv."""
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != password:
            raise CommandError("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("no password given (type it at the prompt or pipe it on stdin)")
    return password


def _shown(user: UserView) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "is_mentor": user.is_mentor,
        "is_verified": user.is_verified,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "must_change_password": user.must_change_password,
    }


def print_user(user: UserView) -> None:
    print(json.dumps(_shown(user)))


def account_line(account: AccountView) -> str:
    """One account as a JSON line (names as they are: the terminal is the administrator's)."""
    shown = _shown(account.user)
    shown["first_name"] = account.user.first_name
    shown["last_name"] = account.user.last_name
    shown["joined_at"] = account.joined_at.isoformat()
    return json.dumps(shown, ensure_ascii=False)
