"""Webhook endpoints in SQL: `application.ports.Webhooks` on `webhook_endpoints` and
`webhook_dead_letters`, with the leases of `leases.py`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, delete, func, insert, literal, select

from mentorat.adapters.sql.database import Database
from mentorat.adapters.sql.leases import (
    Leases,
    held,
    progress_from_row,
    progress_values,
)
from mentorat.adapters.sql.mapping import bound
from mentorat.adapters.sql.outbox import event_from_row
from mentorat.adapters.sql.statements import Row, Statement
from mentorat.adapters.sql.tables import (
    Id,
    outbox_events,
    webhook_dead_letters,
    webhook_endpoints,
)
from mentorat.application.ports import FailedDelivery, Progress, WebhookEndpoint

_E = webhook_endpoints
_D = webhook_dead_letters
ENDPOINT: Final = (_E.c.id, _E.c.url, _E.c.events, _E.c.secret, _E.c.created_at)
_PROGRESS: Final = (_E.c.cursor, _E.c.attempts, _E.c.failing_since, _E.c.next_attempt_at)
_LEASES: Final = Leases(_E, ENDPOINT)
_NEWEST_EVENT = select(func.coalesce(func.max(outbox_events.c.id), 0)).scalar_subquery()
_ADD: Final = Statement(
    insert(_E)
    .values(
        {
            **bound(_E, ["url", "events", "secret", "created_at"]),
            "cursor": _NEWEST_EVENT,
            "attempts": literal(0),
        }
    )
    .returning(_E.c.id)
)
_ALL: Final = Statement(select(*ENDPOINT, *_PROGRESS, _E.c.last_error).order_by(_E.c.id))
_ENDPOINT_ID = bindparam("endpoint_id", type_=Id)
_REMOVE_LETTERS: Final = Statement(delete(_D).where(_D.c.endpoint_id == _ENDPOINT_ID))
_REMOVE: Final = Statement(delete(_E).where(_E.c.id == _ENDPOINT_ID))
_EVENT: Final = (
    _D.c.event_id,
    _D.c.name,
    _D.c.mentoring_id,
    _D.c.recipient_id,
    _D.c.other_recipient_id,
    _D.c.occurred_at,
    _D.c.payload,
)
_LETTER: Final = (
    _D.c.id,
    _D.c.endpoint_id,
    *_EVENT,
    _D.c.attempts,
    _D.c.last_error,
    _D.c.failed_at,
)
_KEEP: Final = Statement(insert(_D).values(bound(_D, [c.name for c in _LETTER[1:]])))
_FAILED: Final = Statement(select(*_LETTER).order_by(_D.c.id.desc()).limit(bindparam("n")))
_LETTER_ID = bindparam("letter_id", type_=Id)
_FAILED_ONE: Final = Statement(
    select(*_LETTER, *ENDPOINT)
    .join_from(_D, _E, _E.c.id == _D.c.endpoint_id)
    .where(_D.c.id == _LETTER_ID)
)
_FORGET: Final = Statement(delete(_D).where(_D.c.id == _LETTER_ID))


def _endpoint(row: Row) -> WebhookEndpoint:
    endpoint_id, url, events, secret, created_at = row[:5]
    return WebhookEndpoint(
        endpoint_id, url, tuple(events.split(",")) if events else (), secret, created_at
    )


def _letter(row: Row) -> FailedDelivery:
    letter_id, endpoint_id = row[:2]
    event = event_from_row(row[2:9])
    attempts, error, failed_at = row[9:12]
    return FailedDelivery(letter_id, endpoint_id, event, attempts, error, failed_at)


def _letter_values(failed: FailedDelivery) -> dict[str, Any]:
    event = failed.event
    others = event.recipients[1:]
    return {
        "endpoint_id": failed.endpoint_id,
        "event_id": event.id,
        "name": event.name,
        "mentoring_id": event.mentoring_id,
        "recipient_id": event.recipients[0],
        "other_recipient_id": others[0] if others else None,
        "occurred_at": event.occurred_at,
        "payload": event.payload,
        "attempts": failed.attempts,
        "last_error": failed.last_error,
        "failed_at": failed.failed_at,
    }


class SqlWebhooks:
    """Implements `application.ports.Webhooks`; each call is one short transaction."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(
        self, url: str, events: Sequence[str], secret: str, now: datetime
    ) -> WebhookEndpoint:
        values = {"url": url, "events": ",".join(events), "secret": secret, "created_at": now}
        async with self._database.connect() as run:
            row = await run.first(_ADD, values)
            await run.commit()
        assert row is not None
        return WebhookEndpoint(row[0], url, tuple(events), secret, now)

    async def all(self) -> list[tuple[WebhookEndpoint, Progress]]:
        async with self._database.connect(write=False) as run:
            rows = await run.rows(_ALL, {})
        return [(_endpoint(row), progress_from_row(row, len(ENDPOINT))) for row in rows]

    async def remove(self, endpoint_id: int) -> bool:
        async with self._database.connect() as run:
            await run.execute(_REMOVE_LETTERS, {"endpoint_id": endpoint_id})
            removed = await run.execute(_REMOVE, {"endpoint_id": endpoint_id})
            await run.commit()
        return removed == 1

    async def take(
        self, holder: str, now: datetime, until: datetime
    ) -> list[tuple[WebhookEndpoint, Progress]]:
        params = {"holder": holder, "now": now, "until": until}
        async with self._database.connect(write=False) as run:
            if await run.first(_LEASES.any, params) is None:
                return []
        async with self._database.connect() as run:
            rows = await run.rows(_LEASES.take, params)
            await run.commit()
        taken = [(_endpoint(row), progress_from_row(row, len(ENDPOINT))) for row in rows]
        return sorted(taken, key=lambda pair: pair[0].id)

    async def advance(self, endpoint_id: int, holder: str, cursor: int, until: datetime) -> bool:
        params = {**held(endpoint_id, holder, until), "b_cursor": cursor}
        async with self._database.connect() as run:
            changed = await run.execute(_LEASES.advance, params)
            await run.commit()
        return changed == 1

    async def record(
        self, endpoint_id: int, holder: str, progress: Progress, until: datetime
    ) -> bool:
        params = {**held(endpoint_id, holder, until), **progress_values(progress)}
        async with self._database.connect() as run:
            changed = await run.execute(_LEASES.record, params)
            await run.commit()
        return changed == 1

    async def give_up(
        self,
        endpoint_id: int,
        holder: str,
        failed: FailedDelivery,
        progress: Progress,
        until: datetime,
    ) -> bool:
        params = {**held(endpoint_id, holder, until), **progress_values(progress)}
        async with self._database.connect() as run:
            if await run.execute(_LEASES.record, params) != 1:
                return False
            await run.execute(_KEEP, _letter_values(failed))
            await run.commit()
        return True

    async def release(self, holder: str) -> None:
        async with self._database.connect() as run:
            await run.execute(_LEASES.release, {"holder": holder})
            await run.commit()

    async def failed(self, limit: int) -> list[FailedDelivery]:
        async with self._database.connect(write=False) as run:
            rows = await run.rows(_FAILED, {"n": limit})
        return [_letter(row) for row in rows]

    async def failed_one(self, failed_id: int) -> tuple[FailedDelivery, WebhookEndpoint] | None:
        async with self._database.connect(write=False) as run:
            row = await run.first(_FAILED_ONE, {"letter_id": failed_id})
        if row is None:
            return None
        return _letter(row), _endpoint(row[len(_LETTER) :])

    async def forget_failed(self, failed_id: int) -> None:
        async with self._database.connect() as run:
            await run.execute(_FORGET, {"letter_id": failed_id})
            await run.commit()
