"""Helpers of the delivery tests: a webhook receiver and an SMTP server on 127.0.0.1, the
documented signature check, and events made through the use cases."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from mentorat.application.manage_webhooks import AddWebhook, AddWebhookCommand
from mentorat.application.ports import Webhooks
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.views import UserView
from mentorat.bootstrap import System
from mentorat.domain.events import MentoringId

DOCS = Path(__file__).resolve().parents[2] / "docs"


def documented_check() -> Callable[..., bool]:
    """`verify_webhook` as docs/operations.md defines it, run from the page itself."""
    page = (DOCS / "operations.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.DOTALL)
    source = next(block for block in blocks if "def verify_webhook" in block)
    namespace: dict[str, Any] = {}
    exec(source.split("# --- an example", 1)[0], namespace)
    check: Callable[..., bool] = namespace["verify_webhook"]
    return check


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Behaviour:
    """What the receiver answers: `fail(n)` says whether its n-th request (from 1) fails;
    each request first waits `delay` seconds."""

    fail: Callable[[int], bool] = lambda n: False
    delay: float = 0.0
    # Seconds the n-th request waits on top of `delay`.
    stall: Callable[[int], float] = lambda n: 0.0


@dataclass
class Receiver:
    url: str
    behaviour: Behaviour
    received: list[Delivery] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def at(self, path: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.received if d.path == path]


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver("", Behaviour())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with receiver.lock:
                receiver.attempts += 1
                n = receiver.attempts
            time.sleep(receiver.behaviour.delay + receiver.behaviour.stall(n))
            if receiver.behaviour.fail(n):
                self.send_response(500)
            else:
                with receiver.lock:
                    receiver.received.append(Delivery(self.path, dict(self.headers), body))
                self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server


class Inbox:
    """aiosmtpd's handler: keeps every mail it is given."""

    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd calls it so
        self.mails.append(envelope)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[str]:
        return [
            envelope.content.decode() for envelope in self.mails if address in envelope.rcpt_tos
        ]


def start_smtp(port: int) -> tuple[Inbox, Controller]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return inbox, controller


async def eventually(check: Callable[[], bool], what: str, within: float = 60.0) -> None:
    """Wait until `check()` holds, polling; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.02)


def store(system: System) -> Webhooks:
    assert system.webhooks is not None
    return system.webhooks


async def add(system: System, url: str, events: Sequence[str] = ()) -> tuple[int, str]:
    """A new endpoint's id and secret."""
    endpoint = await AddWebhook(store(system), system.clock)(AddWebhookCommand(url, events))
    return endpoint.id, endpoint.secret


@dataclass
class Pair:
    mentor: UserView
    mentee: UserView
    mentoring_id: MentoringId


async def a_pair(system: System, suffix: str = "") -> Pair:
    """A mentor and a mentee, and a request of the mentee's (not answered yet)."""
    m = system.mentorat
    mentor = await m.register_user(
        RegisterCommand(
            f"mentor{suffix}",
            "Pass123!@x",
            f"mentor{suffix}@example.com",
            "Marie",
            "Curie",
            is_mentor=True,
        )
    )
    mentee = await m.register_user(
        RegisterCommand(
            f"mentee{suffix}", "Pass123!@x", f"mentee{suffix}@example.com", "Ada", "Lovelace"
        )
    )
    today = system.clock.now().date()
    view = await m.request_mentoring(
        RequestMentoringCommand(mentee.id, mentor.id, today, today + timedelta(days=30))
    )
    return Pair(mentor, mentee, MentoringId(view.id))


async def accept(system: System, pair: Pair) -> None:
    await system.mentorat.respond_to_request(
        RespondCommand(pair.mentoring_id, pair.mentor.id, accept=True)
    )


async def post(system: System, pair: Pair, count: int, *, by_mentor: bool = True) -> None:
    sender = pair.mentor if by_mentor else pair.mentee
    for n in range(count):
        await system.mentorat.post_message(
            PostMessageCommand(pair.mentoring_id, sender.id, f"message {n}")
        )
