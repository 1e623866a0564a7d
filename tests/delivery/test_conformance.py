"""The delivery adapters implement their ports: annotated assignments that mypy checks (as
tests/contract/test_conformance.py does for the others)."""

from __future__ import annotations

from pathlib import Path

from mentorat.adapters.mail.smtp import SmtpMailer
from mentorat.adapters.sql.database import Database
from mentorat.adapters.sql.mail_queue import SqlMailQueue
from mentorat.adapters.sql.webhooks import SqlWebhooks
from mentorat.adapters.webhooks.httpx_sender import HttpxWebhookSender
from mentorat.application.ports import Mailer, MailQueue, Webhooks, WebhookSender


def conforms(database: Database) -> None:
    sql_webhooks: Webhooks = SqlWebhooks(database)
    sql_mail_queue: MailQueue = SqlMailQueue(database)
    httpx_sender: WebhookSender = HttpxWebhookSender(timeout=1)
    smtp_mailer: Mailer = SmtpMailer("smtp://127.0.0.1", "a@example.org")
    del sql_webhooks, sql_mail_queue, httpx_sender, smtp_mailer


def test_every_delivery_adapter_conforms_to_its_port_for_mypy() -> None:
    from mypy import api

    root = Path(__file__).resolve().parents[2]
    stdout, stderr, status = api.run(
        ["--config-file", str(root / "pyproject.toml"), "--no-error-summary", __file__]
    )
    assert status == 0, stdout + stderr
