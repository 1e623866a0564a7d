"""Webhooks and email: their use cases on a SQL `System`, and the dispatchers a served worker
runs (`Background`)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from mentorat.adapters.mail.smtp import SmtpMailer
from mentorat.adapters.webhooks.httpx_sender import HttpxWebhookSender
from mentorat.application.deliver_webhooks import DeliverWebhooks
from mentorat.application.deliveries import Backoff
from mentorat.application.manage_webhooks import (
    AddWebhook,
    ListFailedDeliveries,
    ListWebhooks,
    RemoveWebhook,
    ReplayFailedDelivery,
)
from mentorat.application.notify_by_email import MailSettings, NotifyByEmail
from mentorat.settings import SettingsError

if TYPE_CHECKING:
    from mentorat.bootstrap import System


@dataclass
class Deliveries:
    """The webhook and email use cases of a SQL `System` (`deliveries`); `mail` is None when
    SMTP is not configured. Close with `aclose()`."""

    add_webhook: AddWebhook
    list_webhooks: ListWebhooks
    remove_webhook: RemoveWebhook
    failed_deliveries: ListFailedDeliveries
    replay_delivery: ReplayFailedDelivery
    webhooks: DeliverWebhooks
    mail: NotifyByEmail | None
    sender: HttpxWebhookSender

    async def run(self, *, poll_seconds: float) -> None:
        """Run the webhook dispatcher and the mailer until cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self.webhooks.run(poll_seconds=poll_seconds))
            if self.mail is not None:
                group.create_task(self.mail.run(poll_seconds=poll_seconds))

    async def aclose(self) -> None:
        await self.sender.aclose()


def deliveries(system: System) -> Deliveries:
    """The webhook and email use cases on `system`'s database; SettingsError on a system
    without one (the memory adapters)."""
    if system.webhooks is None or system.mail_queue is None:
        raise SettingsError("webhooks and email need a database (MENTORAT_DATABASE_URL)")
    settings, uow, clock = system.settings, system.mentorat.uow, system.clock
    backoff = Backoff(
        timedelta(seconds=settings.webhook_backoff_base_seconds),
        timedelta(seconds=settings.webhook_backoff_cap_seconds),
        timedelta(seconds=settings.webhook_give_up_after),
    )
    sender = HttpxWebhookSender(settings.webhook_timeout_seconds)
    webhooks = system.webhooks
    mail = None
    if settings.smtp_url is not None and settings.mail_from is not None:
        mail = NotifyByEmail(
            uow,
            system.mail_queue,
            SmtpMailer(
                settings.smtp_url, settings.mail_from, timeout=settings.webhook_timeout_seconds
            ),
            clock,
            MailSettings(
                window=timedelta(minutes=settings.mail_digest_minutes),
                lease=settings.webhook_lease,
                backoff=backoff,
            ),
        )
    return Deliveries(
        add_webhook=AddWebhook(webhooks, clock),
        list_webhooks=ListWebhooks(webhooks),
        remove_webhook=RemoveWebhook(webhooks),
        failed_deliveries=ListFailedDeliveries(webhooks),
        replay_delivery=ReplayFailedDelivery(webhooks, sender, clock),
        webhooks=DeliverWebhooks(
            uow, webhooks, sender, clock, backoff, lease=settings.webhook_lease
        ),
        mail=mail,
        sender=sender,
    )


class Background:
    """The dispatchers of a served worker: `start` on start-up, `stop` on shutdown."""

    def __init__(self, system: System) -> None:
        self._system = system
        self._task: asyncio.Task[None] | None = None
        self._deliveries: Deliveries | None = None

    async def start(self) -> None:
        self._deliveries = deliveries(self._system)
        poll = self._system.settings.webhook_poll_seconds
        self._task = asyncio.get_running_loop().create_task(self._deliveries.run(poll_seconds=poll))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._deliveries is not None:
            await self._deliveries.aclose()
