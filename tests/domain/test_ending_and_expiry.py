"""Withdrawing, cancelling with a reason, and the expiry of requests nobody answered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentorat.domain.chat import compose_message
from mentorat.domain.errors import (
    InvalidTransition,
    MentoringClosed,
    MentoringNotFound,
    NotTheRequester,
    PendingNotCancellable,
    ReasonTooLong,
    RequestNotPending,
    UnstorableText,
)
from mentorat.domain.events import MentoringCancelled, MentoringExpired, MentoringWithdrawn
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL, REASON_MAX, Status, clean_reason
from mentorat.domain.users import UserId

from .builders import BUILDERS, LATER, MENTEE, MENTOR, STRANGER, T0, active, pending, snapshot

TTL = DEFAULT_REQUEST_TTL
DUE = T0 + TTL


def test_the_mentee_withdraws_a_pending_request_and_it_is_cancelled_without_a_reason() -> None:
    mentoring = pending()
    mentoring.withdraw(by=MENTEE, at=LATER)
    assert (mentoring.status, mentoring.end_reason, mentoring.updated_at) == (
        Status.CANCELLED,
        None,
        LATER,
    )
    assert mentoring.pull_events() == [MentoringWithdrawn(mentoring.id, LATER, MENTEE)]


@pytest.mark.parametrize("state", BUILDERS)
def test_the_mentor_never_withdraws_and_a_stranger_sees_nothing(state: str) -> None:
    with pytest.raises(NotTheRequester):
        BUILDERS[state]().withdraw(by=MENTOR, at=LATER)
    with pytest.raises(MentoringNotFound):
        BUILDERS[state]().withdraw(by=STRANGER, at=LATER)


@pytest.mark.parametrize("state", [s for s in BUILDERS if s != "pending"])
def test_only_a_pending_request_can_be_withdrawn(state: str) -> None:
    mentoring = BUILDERS[state]()
    before = snapshot(mentoring)
    with pytest.raises(InvalidTransition) as caught:
        mentoring.withdraw(by=MENTEE, at=LATER)
    assert caught.value.message == f"Cannot withdraw a mentoring that is {mentoring.status}."
    assert snapshot(mentoring) == before


@pytest.mark.parametrize("by", [MENTEE, MENTOR])
def test_either_participant_stops_an_active_mentoring_and_the_reason_is_kept(
    by: UserId,
) -> None:
    mentoring = active()
    mentoring.stop(by=by, at=LATER, reason="  moving abroad \n")
    assert (mentoring.status, mentoring.end_reason) == (Status.CANCELLED, "moving abroad")
    assert mentoring.pull_events() == [MentoringCancelled(mentoring.id, LATER, by)]


@pytest.mark.parametrize("by", [MENTEE, MENTOR])
def test_a_pending_request_is_not_stopped_but_withdrawn(by: UserId) -> None:
    with pytest.raises(PendingNotCancellable) as caught:
        pending().stop(by=by, at=LATER)
    assert "withdraw" in caught.value.message


@pytest.mark.parametrize(
    ("reason", "kept"),
    [(None, None), ("", None), (" \t\n", None), (" why ", "why"), ("x" * REASON_MAX, "x" * 1000)],
)
def test_a_reason_is_stripped_and_a_blank_one_is_none(reason: str | None, kept: str | None) -> None:
    assert clean_reason(reason) == kept


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("x" * (REASON_MAX + 1), ReasonTooLong),
        ("nul\x00", UnstorableText),
        ("\ud800", UnstorableText),
    ],
)
def test_a_bad_reason_is_invalid_input_naming_reason(reason: str, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        active().stop(by=MENTEE, at=LATER, reason=reason)
    assert getattr(caught.value, "field", None) == "reason"


def test_a_pending_request_is_due_at_its_ttl_and_not_a_microsecond_before() -> None:
    mentoring = pending()
    assert not mentoring.is_due(DUE - timedelta(microseconds=1), TTL)
    assert mentoring.status_at(DUE - timedelta(microseconds=1), TTL) is Status.PENDING
    assert mentoring.is_due(DUE, TTL)
    assert mentoring.status_at(DUE, TTL) is Status.EXPIRED
    assert mentoring.status is Status.PENDING, "status_at changes nothing"


def test_expiring_a_due_request_records_it_and_leaves_updated_at_alone() -> None:
    mentoring = pending()
    assert not mentoring.expire_if_due(DUE - timedelta(seconds=1), TTL)
    assert mentoring.pull_events() == []
    later = DUE + timedelta(days=3)
    assert mentoring.expire_if_due(later, TTL)
    assert (mentoring.status, mentoring.updated_at) == (Status.EXPIRED, T0)
    assert mentoring.pull_events() == [MentoringExpired(mentoring.id, later)]
    assert not mentoring.expire_if_due(later, TTL), "an expired request expires once"


@pytest.mark.parametrize("state", [s for s in BUILDERS if s != "pending"])
def test_only_pending_requests_expire(state: str) -> None:
    mentoring = BUILDERS[state]()
    before = snapshot(mentoring)
    assert not mentoring.expire_if_due(DUE + timedelta(days=365), TTL)
    assert snapshot(mentoring) == before


def test_nobody_acts_on_an_expired_request_but_to_read_it() -> None:
    mentoring = pending()
    mentoring.expire_if_due(DUE, TTL)
    with pytest.raises(RequestNotPending) as caught:
        mentoring.respond(by=MENTOR, accept=True, at=DUE)
    assert "expired" in caught.value.message
    with pytest.raises(InvalidTransition):
        mentoring.withdraw(by=MENTEE, at=DUE)
    with pytest.raises(InvalidTransition):
        mentoring.stop(by=MENTEE, at=DUE)
    with pytest.raises(InvalidTransition):
        mentoring.complete(by=MENTOR, at=DUE)


def test_a_due_request_accepts_no_message_even_before_its_expiry_is_recorded() -> None:
    mentoring = pending()
    compose_message(mentoring, by=MENTEE, text="hi", at=DUE - timedelta(seconds=1), request_ttl=TTL)
    with pytest.raises(MentoringClosed) as caught:
        compose_message(mentoring, by=MENTEE, text="hi", at=DUE, request_ttl=TTL)
    assert caught.value.status == "expired"
