"""`mentorat webhook ...`: register, list and remove endpoints, see and replay the deliveries
given up, and run the dispatchers as a process of their own."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from mentorat import bootstrap
from mentorat.application.deliver_webhooks import EVENT_NAMES
from mentorat.application.manage_webhooks import AddWebhookCommand
from mentorat.cli.common import EXIT_USAGE, CommandError, with_system
from mentorat.settings import Settings

T = TypeVar("T")


def add_parser(commands: Any) -> None:
    webhook = commands.add_parser(
        "webhook",
        help="webhook endpoints and their deliveries",
        description="Webhook endpoints: every event they ask for is POSTed to them, signed "
        "(docs/operations.md, Webhooks).",
    )
    actions = webhook.add_subparsers(title="webhook commands", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="register an endpoint (prints its secret, once)",
        description="Register an endpoint. Its signing secret is printed once: keep it.",
    )
    add.add_argument("url")
    add.add_argument(
        "--events",
        default="all",
        help=f"comma-separated event names, or all (default): {', '.join(EVENT_NAMES)}",
    )
    add.set_defaults(run=add_webhook)
    actions.add_parser("list", help="list the endpoints").set_defaults(run=list_webhooks)
    remove = actions.add_parser("remove", help="remove an endpoint and its failed deliveries")
    remove.add_argument("id", type=int)
    remove.set_defaults(run=remove_webhook)
    failed = actions.add_parser("failed", help="list the deliveries given up (dead letters)")
    failed.add_argument("--limit", type=int, default=100)
    failed.set_defaults(run=list_failed)
    replay = actions.add_parser("replay", help="send a failed delivery again, now")
    replay.add_argument("id", type=int)
    replay.set_defaults(run=replay_failed)
    dispatch = actions.add_parser(
        "dispatch",
        help="deliver webhooks (and email, when SMTP is set) until stopped",
        description="Run the webhook dispatcher and the mailer until SIGTERM or Ctrl-C, for "
        "deploys that set MENTORAT_DISPATCH_IN_SERVER=false. Any number may run: each event "
        "is delivered by one of them.",
    )
    dispatch.set_defaults(run=dispatch_forever)


def _with_deliveries(
    settings: Settings, action: Callable[[bootstrap.Deliveries], Awaitable[T]]
) -> T:
    async def run(system: bootstrap.System) -> T:
        deliveries = bootstrap.deliveries(system)
        try:
            return await action(deliveries)
        finally:
            await deliveries.aclose()

    return with_system(settings, run)


def add_webhook(args: argparse.Namespace, settings: Settings) -> int:
    events = [] if args.events.strip() == "all" else args.events.split(",")
    if args.events.strip() != "all" and not any(name.strip() for name in events):
        raise CommandError("--events: name at least one event, or all", EXIT_USAGE)
    command = AddWebhookCommand(args.url, events)
    endpoint = _with_deliveries(settings, lambda d: d.add_webhook(command))
    shown = {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events) or "all",
        "secret": endpoint.secret,
    }
    print(json.dumps(shown))
    print("keep the secret: it is not shown again", file=sys.stderr)
    return 0


def list_webhooks(args: argparse.Namespace, settings: Settings) -> int:
    for endpoint, progress in _with_deliveries(settings, lambda d: d.list_webhooks()):
        shown: dict[str, Any] = {
            "id": endpoint.id,
            "url": endpoint.url,
            "events": list(endpoint.events) or "all",
            "secret": endpoint.secret[:10] + "...",
            "cursor": progress.cursor,
            "attempts": progress.attempts,
            "failing_since": _time(progress.failing_since),
            "next_attempt_at": _time(progress.next_attempt_at),
            "last_error": progress.last_error,
        }
        print(json.dumps(shown))
    return 0


def remove_webhook(args: argparse.Namespace, settings: Settings) -> int:
    _with_deliveries(settings, lambda d: d.remove_webhook(args.id))
    print(f"webhook {args.id} removed")
    return 0


def list_failed(args: argparse.Namespace, settings: Settings) -> int:
    for failed in _with_deliveries(settings, lambda d: d.failed_deliveries(args.limit)):
        shown = {
            "id": failed.id,
            "webhook": failed.endpoint_id,
            "event_id": failed.event.id,
            "type": failed.event.name,
            "attempts": failed.attempts,
            "last_error": failed.last_error,
            "failed_at": _time(failed.failed_at),
        }
        print(json.dumps(shown))
    return 0


def replay_failed(args: argparse.Namespace, settings: Settings) -> int:
    failed = _with_deliveries(settings, lambda d: d.replay_delivery(args.id))
    print(f"event {failed.event.id} delivered to webhook {failed.endpoint_id}")
    return 0


def dispatch_forever(args: argparse.Namespace, settings: Settings) -> int:
    async def run(deliveries: bootstrap.Deliveries) -> None:
        task = asyncio.ensure_future(deliveries.run(poll_seconds=settings.webhook_poll_seconds))
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    _with_deliveries(settings, run)
    return 0


def _time(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat()
