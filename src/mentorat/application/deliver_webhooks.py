"""Deliver outbox events to the webhook endpoints, as signed POSTs, each endpoint in order.

Each endpoint keeps a cursor in the store (the last event it is done with). A dispatcher
takes the endpoints nobody else holds (a lease in the store), reads the outbox after each
one's cursor, POSTs every event the endpoint asked for, and moves the cursor on after each
success: one dispatcher at a time sends an endpoint its events, whatever the number of
processes. A failure is tried again with `Backoff`; past its give-up time, the event is kept
among the failed deliveries (`mentorat webhook failed`) and the endpoint moves on.

A dispatcher that stops between a POST and the move of the cursor leaves the event to be
sent again by the next one: a receiver tells a repeat by the event's `id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import Final

from mentorat.application.deliveries import BATCH, Backoff, Settling, new_holder
from mentorat.application.errors import DeliveryFailed, StorageUnavailable
from mentorat.application.outbox_events import NAMES, wire_timestamp
from mentorat.application.ports import (
    Clock,
    FailedDelivery,
    OutboxWakeups,
    Progress,
    StoredEvent,
    UnitOfWork,
    WebhookEndpoint,
    Webhooks,
    WebhookSender,
)

log = logging.getLogger(__name__)

SIGNATURE_HEADER: Final = "Mentorat-Signature"
# Every event name an endpoint may ask for.
EVENT_NAMES: Final = tuple(NAMES.values())
# How old a signature's timestamp may be when the receiver checks it (docs/operations.md).
SIGNATURE_TOLERANCE: Final = 300


def webhook_body(event: StoredEvent) -> bytes:
    """`{"id": ..., "type": ..., "created": ..., "data": <the event's payload>}` as sent.

    The payload is stored as JSON text in the contract's shapes and goes in as it is.
    """
    head = json.dumps(
        {"id": event.id, "type": event.name, "created": wire_timestamp(event.occurred_at)},
        separators=(",", ":"),
    )
    return f'{head[:-1]},"data":{event.payload}}}'.encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Mentorat-Signature` header: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signed_headers(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(secret, int(now.timestamp()), body),
    }


class DeliverWebhooks:
    """One dispatcher; `run` delivers until cancelled, `run_once` makes one round.

    `lease`: how long an endpoint stays held without a write of its dispatcher; longer than
    one POST may take (the sender's timeout), so that it never runs out while one is sent.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        webhooks: Webhooks,
        sender: WebhookSender,
        clock: Clock,
        backoff: Backoff,
        *,
        lease: timedelta,
        holder: str | None = None,
    ) -> None:
        self._uow, self._webhooks, self._sender = uow, webhooks, sender
        self._clock, self._backoff, self._lease = clock, backoff, lease
        self.holder = holder or new_holder()
        self._settling: dict[int, Settling] = {}

    async def run(self, *, poll_seconds: float, wakeups: OutboxWakeups | None = None) -> None:
        """Deliver until cancelled: a round, then another at once while events are sent, or
        after `poll_seconds` (or when `wakeups` says events were committed). Lets go of its
        endpoints when it stops."""
        try:
            while True:
                try:
                    sent = await self.run_once()
                except StorageUnavailable as error:  # the next round tries again
                    # The storage adapter logged the cause; one line here, no traceback.
                    log.warning("webhook round skipped: %s", error.message)
                    sent = 0
                except Exception:
                    log.exception("webhook round failed")
                    sent = 0
                if sent:
                    continue
                if wakeups is None:
                    await asyncio.sleep(poll_seconds)
                else:
                    await wakeups.wait(poll_seconds)
        finally:
            with contextlib.suppress(Exception):
                await self._webhooks.release(self.holder)

    async def run_once(self) -> int:
        """One round over the endpoints this dispatcher holds or takes; how many events it
        delivered."""
        now = self._clock.now()
        taken = await self._webhooks.take(self.holder, now, now + self._lease)
        held = {endpoint.id for endpoint, _ in taken}
        for endpoint_id in self._settling.keys() - held:
            del self._settling[endpoint_id]  # another dispatcher may move it meanwhile
        results = await asyncio.gather(
            *(self._serve(endpoint, progress) for endpoint, progress in taken),
            return_exceptions=True,
        )
        delivered = 0
        for (endpoint, _), result in zip(taken, results, strict=True):
            if isinstance(result, BaseException):
                log.error("webhook %d: %s", endpoint.id, result, exc_info=result)
            else:
                delivered += result
        return delivered

    async def _serve(self, endpoint: WebhookEndpoint, progress: Progress) -> int:
        settling = self._settling.setdefault(endpoint.id, Settling())
        async with self._uow(write=False) as tx:
            page = await tx.outbox.read(progress.cursor, limit=BATCH)
        delivered, cursor = 0, progress.cursor
        for event in settling.settled(progress.cursor, page):
            if endpoint.events and event.name not in endpoint.events:
                cursor = event.id  # written with the next move of the cursor
                continue
            now = self._clock.now()
            body = webhook_body(event)
            try:
                await self._sender.post(
                    endpoint.url, body, signed_headers(endpoint.secret, body, now)
                )
            except DeliveryFailed as error:
                now = self._clock.now()
                at = Progress(cursor, progress.attempts, progress.failing_since)
                failed = self._backoff.failed(at, error.message, now)
                until = now + self._lease
                if not self._backoff.gives_up(failed, now):
                    log.info("webhook %d: event %d failed: %s", endpoint.id, event.id, error)
                    await self._webhooks.record(endpoint.id, self.holder, failed, until)
                    return delivered
                log.warning("webhook %d: gave event %d up: %s", endpoint.id, event.id, error)
                dead = FailedDelivery(0, endpoint.id, event, failed.attempts, error.message, now)
                # Still failing (since when it was, until a delivery succeeds): the next
                # event gets one attempt before it is given up too.
                progress = Progress(event.id, 0, failed.failing_since, None, failed.last_error)
                given_up = await self._webhooks.give_up(
                    endpoint.id, self.holder, dead, progress, until
                )
                if not given_up:
                    return delivered
                cursor = event.id
                continue
            now = self._clock.now()
            if not await self._webhooks.advance(
                endpoint.id, self.holder, event.id, now + self._lease
            ):
                return delivered  # another dispatcher holds it now
            delivered += 1
            cursor = event.id
            progress = Progress(cursor)
        if cursor != progress.cursor:
            # Past events the endpoint does not ask for: its failures, if any, stay counted.
            moved = Progress(
                cursor, progress.attempts, progress.failing_since, None, progress.last_error
            )
            until = self._clock.now() + self._lease
            await self._webhooks.record(endpoint.id, self.holder, moved, until)
        return delivered
