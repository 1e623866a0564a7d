"""Operators register webhook endpoints, list and remove them, and see and replay the
deliveries that were given up."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from mentorat.application.deliver_webhooks import EVENT_NAMES, signed_headers, webhook_body
from mentorat.application.ports import (
    Clock,
    FailedDelivery,
    Progress,
    WebhookEndpoint,
    Webhooks,
    WebhookSender,
)
from mentorat.domain.errors import InvalidInput, NotFound

SECRET_PREFIX: Final = "whsec_"
URL_MAX: Final = 2000


class WebhookNotFound(NotFound):
    def __init__(self, what: str, given: int) -> None:
        super().__init__(f"There is no {what} {given}.")


@dataclass(frozen=True, slots=True)
class AddWebhookCommand:
    url: str
    # The event names to send (EVENT_NAMES); empty: every event.
    events: Sequence[str] = ()


def checked_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("url", "A webhook URL is an absolute http:// or https:// URL.")
    if len(url) > URL_MAX:
        raise InvalidInput("url", f"A webhook URL has at most {URL_MAX} characters.")
    return url.strip()


def checked_events(events: Sequence[str]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in events if name.strip()))
    unknown = [name for name in names if name not in EVENT_NAMES]
    if unknown:
        raise InvalidInput(
            "events", f"Unknown event(s) {', '.join(unknown)}; known: {', '.join(EVENT_NAMES)}."
        )
    return names


class AddWebhook:
    """Register an endpoint, with a new secret: the one time it is shown is in the result."""

    def __init__(self, webhooks: Webhooks, clock: Clock) -> None:
        self._webhooks, self._clock = webhooks, clock

    async def __call__(self, cmd: AddWebhookCommand) -> WebhookEndpoint:
        url, events = checked_url(cmd.url), checked_events(cmd.events)
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        return await self._webhooks.add(url, events, secret, self._clock.now())


class ListWebhooks:
    def __init__(self, webhooks: Webhooks) -> None:
        self._webhooks = webhooks

    async def __call__(self) -> list[tuple[WebhookEndpoint, Progress]]:
        return await self._webhooks.all()


class RemoveWebhook:
    def __init__(self, webhooks: Webhooks) -> None:
        self._webhooks = webhooks

    async def __call__(self, endpoint_id: int) -> None:
        if not await self._webhooks.remove(endpoint_id):
            raise WebhookNotFound("webhook", endpoint_id)


class ListFailedDeliveries:
    def __init__(self, webhooks: Webhooks) -> None:
        self._webhooks = webhooks

    async def __call__(self, limit: int = 100) -> list[FailedDelivery]:
        return await self._webhooks.failed(limit)


class ReplayFailedDelivery:
    """Send a failed delivery again, now, signed anew; forgotten once the endpoint took it.

    Raises DeliveryFailed when the endpoint still does not take it (it stays listed).
    """

    def __init__(self, webhooks: Webhooks, sender: WebhookSender, clock: Clock) -> None:
        self._webhooks, self._sender, self._clock = webhooks, sender, clock

    async def __call__(self, failed_id: int) -> FailedDelivery:
        found = await self._webhooks.failed_one(failed_id)
        if found is None:
            raise WebhookNotFound("failed delivery", failed_id)
        failed, endpoint = found
        body = webhook_body(failed.event)
        headers = signed_headers(endpoint.secret, body, self._clock.now())
        await self._sender.post(endpoint.url, body, headers)
        await self._webhooks.forget_failed(failed_id)
        return failed
