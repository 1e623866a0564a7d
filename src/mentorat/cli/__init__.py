"""The `mentorat` command line: serve the API, migrate the database, administer users, load data.

Settings come from MENTORAT_* environment variables (docs/configuration.md). Errors are one
line on stderr and a non-zero exit status: 2 for bad settings or usage, 1 for a refused action or
an unreachable database.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mentorat import __version__, bootstrap
from mentorat.cli import commands as handlers
from mentorat.cli import webhooks
from mentorat.cli.common import EXIT_REFUSED, EXIT_USAGE, CommandError
from mentorat.domain.errors import MentoratError
from mentorat.settings import Settings, SettingsError

log = logging.getLogger("mentorat.cli")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        settings = Settings.from_env()
        bootstrap.configure_logging(
            settings.log_level, settings.log_format, tracebacks=args.run is handlers.serve
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
    serve.set_defaults(run=handlers.serve)

    db = commands.add_parser("db", help="database migrations", description="Database migrations.")
    db_commands = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply migrations (to head by default)")
    upgrade.add_argument("revision", nargs="?", default="head", help="target (default head)")
    upgrade.set_defaults(run=handlers.db_upgrade)
    downgrade = db_commands.add_parser("downgrade", help="undo migrations down to REVISION")
    downgrade.add_argument("revision", help='target revision ("base" drops every table)')
    downgrade.set_defaults(run=handlers.db_downgrade)
    db_commands.add_parser("current", help="print the revision the database is at").set_defaults(
        run=handlers.db_current
    )
    db_commands.add_parser(
        "history", help="list the revisions this release ships, newest first"
    ).set_defaults(run=handlers.db_history)

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
    create.set_defaults(run=handlers.user_create)
    for action, use_case, text in (
        ("verify", "verify_user", "mark a user as verified (is_verified)"),
        ("unverify", "unverify_user", "withdraw a user's verification"),
        ("deactivate", "deactivate_user", "shut an account: its tokens stop working at once"),
        ("reactivate", "reactivate_user", "open a deactivated account again"),
        ("promote", "promote_user", "make a user an administrator (is_staff: /api/admin/)"),
        ("demote", "demote_user", "take a user's administrator role away"),
    ):
        command = user_commands.add_parser(action, help=text, description=text.capitalize() + ".")
        command.add_argument("username")
        command.set_defaults(run=handlers.user_change(use_case))
    set_password = user_commands.add_parser(
        "set-password",
        help="give a user a temporary password they must change at their next login",
        description="Set a temporary password (from a prompt or the first line of stdin, never "
        "from the command line). The user's tokens stop working; their next login says "
        "password_change_required, and the API refuses them everything but the change of "
        "password until they choose their own.",
    )
    set_password.add_argument("username")
    set_password.set_defaults(run=handlers.user_set_password)
    listing = user_commands.add_parser(
        "list",
        help="list accounts, one JSON object a line",
        description="List accounts by id, one JSON object a line; --search keeps those whose "
        "username, email or names contain the text (ignoring case).",
    )
    listing.add_argument("--search", default="", help="text to look for")
    listing.add_argument(
        "--limit", type=int, default=None, metavar="N", help="at most N accounts (default all)"
    )
    listing.set_defaults(run=handlers.user_list)

    bring = commands.add_parser(
        "import", help="bring accounts in from another service", description="Import accounts."
    )
    bring_commands = bring.add_subparsers(title="sources", metavar="SOURCE", required=True)
    django = bring_commands.add_parser(
        "django",
        help="the users of the original Django service, with their ids and password hashes",
        description="Import the users of the original Django service, keeping their ids (so "
        "tokens signed with the shared key name the right people) and their password hashes "
        "(pbkdf2_sha256 logins work, and are rehashed to argon2 on success). Safe to run "
        "again: accounts already here are left as they are. Migrate the database first.",
    )
    source = django.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--from", dest="url", metavar="POSTGRESQL_URL", help="the Django service's database"
    )
    source.add_argument(
        "--json", dest="dump", type=Path, metavar="FILE", help="a `manage.py dumpdata` file"
    )
    django.add_argument(
        "--table",
        default="auth_user",
        help="the user table of the Django database (default auth_user; the original "
        "service's custom model uses `users`)",
    )
    django.set_defaults(run=handlers.import_django)

    expire = commands.add_parser(
        "expire",
        help="record the expiry of requests left unanswered too long",
        description="Record as expired every pending request older than "
        "MENTORAT_REQUEST_TTL_DAYS, and print how many. Reads already show them expired; "
        "run it from cron, for instance, so that the database says so too.",
    )
    expire.set_defaults(run=handlers.expire)

    events = commands.add_parser(
        "events", help="administer the outbox of events", description="The outbox of events."
    )
    events_commands = events.add_subparsers(
        title="events commands", metavar="ACTION", required=True
    )
    events_commands.add_parser(
        "prune",
        help="forget the events older than MENTORAT_EVENT_RETENTION_DAYS",
        description="Forget the events older than MENTORAT_EVENT_RETENTION_DAYS, and print how "
        "many. Each serving worker also does it at its start and every hour.",
    ).set_defaults(run=handlers.events_prune)

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
    demo.set_defaults(run=handlers.demo)
    webhooks.add_parser(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
