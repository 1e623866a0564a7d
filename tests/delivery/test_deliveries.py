"""The rules the dispatchers share, without a database: which events are final, the backoff,
the body and its signature."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mentorat.application.deliver_webhooks import signature, webhook_body
from mentorat.application.deliveries import Backoff, Settling
from mentorat.application.ports import OutboxPage, Progress, StoredEvent
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def event(event_id: int) -> StoredEvent:
    return StoredEvent(
        event_id, "message_posted", MentoringId(1), (UserId(1), UserId(2)), T0, '{"a":1}'
    )


def test_events_in_sequence_are_final_at_once() -> None:
    page = OutboxPage([event(4), event(5)], running_from=10, started_before=12)
    assert [e.id for e in Settling().settled(3, page)] == [4, 5]


def test_a_missing_id_holds_back_what_follows_until_the_changes_running_then_have_ended() -> None:
    settling = Settling()
    first = OutboxPage([event(4), event(6)], running_from=10, started_before=12)
    assert [e.id for e in settling.settled(3, first)] == [4]
    # Changes that began before 12 may still run: 5 may still come.
    still = OutboxPage([event(6), event(7)], running_from=11, started_before=15)
    assert settling.settled(4, still) == []
    # Every change running at the first read has ended: 5 never comes.
    ended = OutboxPage([event(6), event(7)], running_from=12, started_before=15)
    assert [e.id for e in settling.settled(4, ended)] == [6, 7]


def test_a_store_that_commits_in_id_order_never_waits() -> None:
    page = OutboxPage([event(9)])
    assert [e.id for e in Settling().settled(3, page)] == [9]


@given(st.integers(min_value=1, max_value=80))
def test_a_retry_waits_between_nothing_and_the_capped_exponential(attempts: int) -> None:
    backoff = Backoff(timedelta(seconds=1), timedelta(minutes=10))
    delay = backoff.delay(attempts)
    assert timedelta(0) <= delay <= timedelta(seconds=min(2**attempts, 600))


def test_failures_count_from_the_first_and_give_up_after_the_bound() -> None:
    backoff = Backoff(give_up_after=timedelta(hours=1))
    once = backoff.failed(Progress(7), "answered 500", T0)
    assert (once.cursor, once.attempts, once.failing_since) == (7, 1, T0)
    later = backoff.failed(once, "answered 502", T0 + timedelta(minutes=59))
    assert (later.attempts, later.failing_since, later.last_error) == (2, T0, "answered 502")
    assert not backoff.gives_up(later, T0 + timedelta(minutes=59))
    assert backoff.gives_up(later, T0 + timedelta(hours=1))


def test_the_body_carries_the_payload_as_stored_and_the_signature_covers_time_and_body() -> None:
    body = webhook_body(event(42))
    assert json.loads(body) == {
        "id": 42,
        "type": "message_posted",
        "created": "2026-01-01T00:00:00.000000Z",
        "data": {"a": 1},
    }
    header = signature("whsec_x", 1767225600, body)
    mac = hmac.new(b"whsec_x", b"1767225600." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1767225600,v1={mac}"
