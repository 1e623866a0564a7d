"""The `mentorat` command line: serve the API, migrate the database, administer users, load data.

Settings come from MENTORAT_* environment variables (docs/configuration.md). Errors are one
line on stderr and a non-zero exit status: 2 for bad settings or usage, 1 for a refused action or
an unreachable database.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from mentorat import __version__, bootstrap
from mentorat.application.errors import StorageUnavailable
from mentorat.application.register_user import RegisterCommand
from mentorat.application.views import UserView
from mentorat.domain.errors import MentoratError
from mentorat.logs import default_format
from mentorat.settings import Settings, SettingsError, resolve_secret_key

log = logging.getLogger("mentorat.cli")
T = TypeVar("T")

EXIT_REFUSED = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A refusal worth one line on stderr, with the exit status to leave with."""

    def __init__(self, message: str, status: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.status = status


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        settings = Settings.from_env()
        bootstrap.configure_logging(
            settings.log_level, settings.log_format, tracebacks=args.run is _serve
        )
        run: Callable[[argparse.Namespace, Settings], int] = args.run
        return run(args, settings)
    except SettingsError as error:
        print(f"mentorat: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as error:
        print(f"mentorat: {error}", file=sys.stderr)
        return error.status
    except MentoratError as error:
        print(f"mentorat: {error.message}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("mentorat: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a driver's error (database unreachable...), in one line
        log.debug("command failed", exc_info=error)
        print(f"mentorat: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_REFUSED


# --- commands ------------------------------------------------------------------------------------


def _serve(args: argparse.Namespace, settings: Settings) -> int:
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
        )
    )


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    bootstrap.upgrade_database(settings, args.revision)
    print(f"database upgraded: {_revision_text(bootstrap.database_revision(settings))}")
    return 0


def _db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    bootstrap.downgrade_database(settings, args.revision)
    revision = bootstrap.database_revision(settings)
    shown = "base (no tables)" if revision is None else _revision_text(revision)
    print(f"database downgraded: {shown}")
    return 0


def _db_current(args: argparse.Namespace, settings: Settings) -> int:
    print(_revision_text(bootstrap.database_revision(settings)))
    return 0


def _db_history(args: argparse.Namespace, settings: Settings) -> int:
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


def _user_create(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password()

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
            user = await system.mentorat.verify_user(user.username)
        return user

    _print_user(_with_system(settings, create))
    return 0


def _user_change(action: str) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        async def change(system: bootstrap.System) -> UserView:
            use_case: Callable[[str], Awaitable[UserView]] = getattr(system.mentorat, action)
            return await use_case(args.username)

        _print_user(_with_system(settings, change))
        return 0

    return run


def _expire(args: argparse.Namespace, settings: Settings) -> int:
    async def expire(system: bootstrap.System) -> int:
        return len(await system.mentorat.expire_requests())

    count = _with_system(settings, expire)
    print(f"expired {count} request(s) left unanswered for {settings.request_ttl_days} days")
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
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
    _with_system(settings, bootstrap.seed_demo)
    print("demo data loaded (log in as owner / Pass123!@)")
    return 0


# --- helpers -------------------------------------------------------------------------------------


def _with_system(settings: Settings, action: Callable[[bootstrap.System], Awaitable[T]]) -> T:
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
        _refuse_if_not_migrated(settings)
        raise


def _refuse_if_not_migrated(settings: Settings) -> None:
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


def _read_password() -> str:
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


def _print_user(user: UserView) -> None:
    shown: dict[str, Any] = {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "is_mentor": user.is_mentor,
        "is_verified": user.is_verified,
        "is_active": user.is_active,
    }
    print(json.dumps(shown))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentorat",
        description="Mentorat: a mentorship service. Settings come from MENTORAT_* variables.",
    )
    parser.add_argument("--version", action="version", version=f"mentorat {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API (migrates the database first)",
        description="Serve the HTTP API with uvicorn. The database is first brought to the "
        "latest schema (unless --no-migrate); SIGTERM or Ctrl-C stops it gracefully.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--access-log", action="store_true", help="log every request (off by default)"
    )
    serve.add_argument(
        "--no-migrate",
        dest="migrate",
        action="store_false",
        help="serve the schema as it is, for deploys that run `mentorat db upgrade` themselves",
    )
    serve.add_argument(
        "--graceful-timeout",
        type=int,
        default=10,
        metavar="SECONDS",
        help="on shutdown, wait this long for requests in flight (default 10)",
    )
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database migrations", description="Database migrations.")
    db_commands = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply migrations (to head by default)")
    upgrade.add_argument("revision", nargs="?", default="head", help="target (default head)")
    upgrade.set_defaults(run=_db_upgrade)
    downgrade = db_commands.add_parser("downgrade", help="undo migrations down to REVISION")
    downgrade.add_argument("revision", help='target revision ("base" drops every table)')
    downgrade.set_defaults(run=_db_downgrade)
    db_commands.add_parser("current", help="print the revision the database is at").set_defaults(
        run=_db_current
    )
    db_commands.add_parser(
        "history", help="list the revisions this release ships, newest first"
    ).set_defaults(run=_db_history)

    user = commands.add_parser("user", help="administer accounts", description="Accounts.")
    user_commands = user.add_subparsers(title="user commands", metavar="ACTION", required=True)
    create = user_commands.add_parser(
        "create",
        help="create an account (password from a prompt or stdin)",
        description="Create an account. The password is read from an interactive prompt, or "
        "from the first line of stdin when it is not a terminal; never from the command line.",
    )
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--first-name", default="")
    create.add_argument("--last-name", default="")
    create.add_argument("--phone-number", default=None)
    create.add_argument("--mentor", action="store_true", help="the user may be asked to mentor")
    create.add_argument("--verified", action="store_true", help="also mark the user verified")
    create.set_defaults(run=_user_create)
    for action, use_case, text in (
        ("verify", "verify_user", "mark a user as verified (is_verified)"),
        ("deactivate", "deactivate_user", "shut an account: its tokens stop working at once"),
        ("reactivate", "reactivate_user", "open a deactivated account again"),
    ):
        command = user_commands.add_parser(action, help=text, description=text.capitalize() + ".")
        command.add_argument("username")
        command.set_defaults(run=_user_change(use_case))

    expire = commands.add_parser(
        "expire",
        help="record the expiry of requests left unanswered too long",
        description="Record as expired every pending request older than "
        "MENTORAT_REQUEST_TTL_DAYS, and print how many. Reads already show them expired; "
        "run it from cron, for instance, so that the database says so too.",
    )
    expire.set_defaults(run=_expire)

    demo = commands.add_parser(
        "demo",
        help="load example data (or a bulk benchmark dataset)",
        description="Load the example data (user owner / Pass123!@, mentor Mentor_2, a chat). "
        "With all four counts, load a deterministic bulk dataset instead.",
    )
    demo.add_argument("--users", type=int)
    demo.add_argument("--mentorings", type=int)
    demo.add_argument("--messages", type=int)
    demo.add_argument("--hot-messages", type=int)
    demo.add_argument(
        "--mentors",
        type=int,
        metavar="N",
        help="bulk: exactly N users are mentors, spread over the ids, user 1 (bench) among "
        "them (default: every fifth user)",
    )
    demo.add_argument(
        "--replace", action="store_true", help="bulk: empty every table first if users exist"
    )
    demo.set_defaults(run=_demo)
    return parser


if __name__ == "__main__":
    sys.exit(main())
