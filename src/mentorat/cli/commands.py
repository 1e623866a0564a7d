"""The commands: serve, db, user, expire, events, demo. Each takes the parsed arguments and the
settings, and returns the exit status."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable

from mentorat import bootstrap
from mentorat.application.import_accounts import ImportSummary
from mentorat.application.list_users import USERS_PAGE_MAX, UsersQuery
from mentorat.application.register_user import RegisterCommand
from mentorat.application.views import AccountView, UserView
from mentorat.cli.common import (
    EXIT_USAGE,
    CommandError,
    account_line,
    print_user,
    read_password,
    with_system,
)
from mentorat.logs import default_format
from mentorat.settings import Settings, resolve_secret_key

log = logging.getLogger("mentorat.cli")


def serve(args: argparse.Namespace, settings: Settings) -> int:
    if args.workers < 1:
        raise CommandError("--workers must be at least 1", EXIT_USAGE)
    # Check everything the workers will need now, so a bad setting is one line, not a traceback
    # per worker; on SQLite this also creates the signing key file once, before the workers race.
    settings = resolve_secret_key(settings)
    if args.migrate:
        # Safe with several servers starting at once: migrations take a lock and find the
        # work done (PostgreSQL advisory lock, SQLite BEGIN IMMEDIATE).
        bootstrap.upgrade_database(settings)
    from mentorat.adapters.http.server import ServerOptions, serve

    if settings.trust_forwarded_for:
        log.warning(
            "MENTORAT_TRUST_FORWARDED_FOR is deprecated: set MENTORAT_TRUSTED_PROXIES to your "
            "proxies' addresses (it now trusts %s)",
            ", ".join(settings.proxies),
        )

    log.info("serving on http://%s:%d with %d worker(s)", args.host, args.port, args.workers)
    # Each worker builds its app with bootstrap.create_asgi_app, from the same variables.
    return serve(
        ServerOptions(
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=settings.log_level.lower(),
            access_log=args.access_log,
            log_format=settings.log_format or default_format(),
            graceful_timeout=args.graceful_timeout,
            metrics=settings.metrics,
        )
    )


def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    bootstrap.upgrade_database(settings, args.revision)
    print(f"database upgraded: {_revision_text(bootstrap.database_revision(settings))}")
    return 0


def db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    bootstrap.downgrade_database(settings, args.revision)
    revision = bootstrap.database_revision(settings)
    shown = "base (no tables)" if revision is None else _revision_text(revision)
    print(f"database downgraded: {shown}")
    return 0


def db_current(args: argparse.Namespace, settings: Settings) -> int:
    print(_revision_text(bootstrap.database_revision(settings)))
    return 0


def db_history(args: argparse.Namespace, settings: Settings) -> int:
    """Every revision this release ships, newest first; marks the database's when it answers."""
    try:
        at: str | None = bootstrap.database_revision(settings)
    except Exception as error:  # history needs no database; say why the mark is missing
        log.debug("no current revision", exc_info=error)
        at = None
        print(f"(the database did not answer: {type(error).__name__})", file=sys.stderr)
    latest = bootstrap.latest_revision()
    for revision, what in bootstrap.migration_history():
        marks = [m for m, on in (("latest", revision == latest), ("current", revision == at)) if on]
        shown = f" ({', '.join(marks)})" if marks else ""
        print(f"{revision}{shown}  {what}")
    return 0


def _revision_text(revision: str | None) -> str:
    latest = bootstrap.latest_revision()
    if revision is None:
        return "no revision: the database was never migrated (run `mentorat db upgrade`)"
    if revision == latest:
        return f"revision {revision} (the latest)"
    return f"revision {revision} (the latest is {latest}: run `mentorat db upgrade`)"


def user_create(args: argparse.Namespace, settings: Settings) -> int:
    password = read_password()

    async def create(system: bootstrap.System) -> UserView:
        user = await system.mentorat.register_user(
            RegisterCommand(
                username=args.username,
                password=password,
                email=args.email,
                first_name=args.first_name,
                last_name=args.last_name,
                is_mentor=args.mentor,
                phone_number=args.phone_number,
            )
        )
        if args.verified:
            user = (await system.mentorat.verify_user(user.username)).user
        return user

    print_user(with_system(settings, create))
    return 0


def user_change(action: str) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        async def change(system: bootstrap.System) -> UserView:
            use_case: Callable[[str], Awaitable[AccountView]] = getattr(system.mentorat, action)
            return (await use_case(args.username)).user

        print_user(with_system(settings, change))
        return 0

    return run


def user_set_password(args: argparse.Namespace, settings: Settings) -> int:
    password = read_password()

    async def set_password(system: bootstrap.System) -> UserView:
        return (await system.mentorat.set_temporary_password(args.username, password)).user

    print_user(with_system(settings, set_password))
    return 0


def user_list(args: argparse.Namespace, settings: Settings) -> int:
    if args.limit is not None and args.limit < 1:
        raise CommandError("--limit must be at least 1", EXIT_USAGE)

    async def list_all(system: bootstrap.System) -> int:
        shown, after = 0, None
        while args.limit is None or shown < args.limit:
            wanted = (
                USERS_PAGE_MAX if args.limit is None else min(USERS_PAGE_MAX, args.limit - shown)
            )
            page = await system.mentorat.list_users(
                UsersQuery(search=args.search, after=after, limit=wanted)
            )
            for account in page.accounts:
                print(account_line(account))
            shown += len(page.accounts)
            if page.next_after is None:
                break
            after = page.next_after
        return shown

    count = with_system(settings, list_all)
    print(f"{count} account(s)", file=sys.stderr)
    return 0


def import_django(args: argparse.Namespace, settings: Settings) -> int:
    from mentorat.adapters.django.source import SourceError

    try:
        accounts = bootstrap.read_django_accounts(dump=args.dump, url=args.url, table=args.table)
    except SourceError as error:
        raise CommandError(str(error)) from None
    print(f"read {len(accounts)} account(s)", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        print(f"imported {done}/{total}", file=sys.stderr)

    async def bring(system: bootstrap.System) -> ImportSummary:
        return await system.mentorat.import_accounts(accounts, progress)

    summary = with_system(settings, bring)
    for user_id, why in summary.conflicts:
        print(f"skipped user {user_id}: {why}", file=sys.stderr)
    report = {
        "read": summary.read,
        "added": summary.added,
        "unchanged": summary.unchanged,
        "conflicts": len(summary.conflicts),
        "without_usable_password": summary.without_usable_password,
    }
    print(json.dumps(report))
    if not summary.changed_anything:
        print("nothing changed: every account was already here or conflicts", file=sys.stderr)
    return 0


def events_prune(args: argparse.Namespace, settings: Settings) -> int:
    async def prune(system: bootstrap.System) -> int:
        return await system.mentorat.prune_events()

    count = with_system(settings, prune)
    print(f"pruned {count} event(s) older than {settings.event_retention_days} days")
    return 0


def expire(args: argparse.Namespace, settings: Settings) -> int:
    async def expire(system: bootstrap.System) -> int:
        return len(await system.mentorat.expire_requests())

    count = with_system(settings, expire)
    print(f"expired {count} request(s) left unanswered for {settings.request_ttl_days} days")
    return 0


def demo(args: argparse.Namespace, settings: Settings) -> int:
    bulk = (args.users, args.mentorings, args.messages, args.hot_messages)
    if args.mentors is not None and all(count is None for count in bulk):
        raise CommandError("--mentors is for a bulk dataset: give the four counts too", EXIT_USAGE)
    if any(count is not None for count in bulk):
        if any(count is None for count in bulk):
            raise CommandError(
                "a bulk dataset needs all of --users, --mentorings, --messages, --hot-messages",
                EXIT_USAGE,
            )
        try:
            report = asyncio.run(
                bootstrap.seed_bulk(
                    settings,
                    users=args.users,
                    mentorings=args.mentorings,
                    messages=args.messages,
                    hot_messages=args.hot_messages,
                    mentors=args.mentors,
                    replace=args.replace,
                )
            )
        except bootstrap.SeedRefused as error:
            raise CommandError(f"{error} (--replace empties every table first)") from None
        except ValueError as error:  # counts that cannot make a dataset
            raise CommandError(str(error), EXIT_USAGE) from None
        print(json.dumps(report, indent=2))
        return 0
    bootstrap.upgrade_database(settings)  # safe to repeat
    if with_system(settings, bootstrap.seed_demo):
        print("demo data loaded (log in as owner / Pass123!@)")
    else:
        print("demo data already there (log in as owner / Pass123!@)")
    return 0
