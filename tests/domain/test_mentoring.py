"""The mentoring aggregate: the rules of a request and of every transition of its lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from mentorat.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidPeriod,
    InvalidTransition,
    MentoringNotFound,
    NotAllowed,
    NotAMentor,
    NotFound,
    NotTheMentor,
    NotTheRequester,
    OpenMentoringExists,
    RequestNotPending,
    SelfMentoring,
)
from mentorat.domain.events import (
    MentoringAccepted,
    MentoringCancelled,
    MentoringCompleted,
    MentoringId,
    MentoringRejected,
    MentoringRequested,
    MentoringWithdrawn,
)
from mentorat.domain.mentoring import (
    Ending,
    Mentoring,
    NewMentoring,
    Role,
    Status,
    request_mentoring,
)
from mentorat.domain.users import User, UserId

from .builders import (
    BUILDERS,
    END,
    LATER,
    MENTEE,
    MENTOR,
    START,
    STRANGER,
    T0,
    TERMINAL,
    a_user,
    active,
    cancelled_while_active,
    cancelled_while_pending,
    completed,
    pending,
    rejected,
    snapshot,
)


def ask(
    *,
    mentee: User | None = None,
    mentor: User | None = None,
    start: date = START,
    end: date = END,
    open_between_pair: bool = False,
) -> NewMentoring:
    return request_mentoring(
        mentee=mentee or a_user(MENTEE),
        mentor=mentor,
        start_date=start,
        end_date=end,
        open_between_pair=open_between_pair,
        at=T0,
    )


# --- a request -------------------------------------------------------------------------------


def test_a_valid_request_names_its_mentor_mentee_period_and_time() -> None:
    new = ask(mentor=a_user(MENTOR, is_mentor=True))
    assert new == NewMentoring(MENTOR, MENTEE, START, END, requested_at=T0)


def test_a_request_may_start_and_end_on_the_same_day() -> None:
    new = ask(mentor=a_user(MENTOR, is_mentor=True), start=START, end=START)
    assert new.start_date == new.end_date == START


def test_a_request_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidPeriod) as caught:
        ask(mentor=a_user(MENTOR, is_mentor=True), start=START, end=START - timedelta(days=1))
    assert caught.value.field == "End_Date"
    assert isinstance(caught.value, InvalidInput)


def test_a_user_cannot_ask_themself_for_a_mentoring_even_as_a_mentor() -> None:
    me = a_user(MENTEE, is_mentor=True)
    with pytest.raises(SelfMentoring) as caught:
        ask(mentee=me, mentor=me)
    assert isinstance(caught.value, InvalidInput)
    assert caught.value.field == "mentor_id"


def test_asking_themself_is_self_mentoring_even_for_a_user_who_is_no_mentor() -> None:
    me = a_user(MENTEE, is_mentor=False)
    with pytest.raises(SelfMentoring):
        ask(mentee=me, mentor=me)


@pytest.mark.parametrize(
    "mentor",
    [
        pytest.param(None, id="no such user"),
        pytest.param(a_user(MENTOR, is_mentor=False), id="not a mentor"),
        pytest.param(a_user(MENTOR, is_mentor=True, is_active=False), id="deactivated mentor"),
    ],
)
def test_the_mentor_must_be_an_active_user_who_is_a_mentor(mentor: User | None) -> None:
    with pytest.raises(NotAMentor) as caught:
        ask(mentor=mentor)
    assert isinstance(caught.value, InvalidInput)
    assert caught.value.field == "mentor_id"


def test_a_pair_with_a_pending_or_active_mentoring_cannot_ask_again() -> None:
    with pytest.raises(OpenMentoringExists) as caught:
        ask(mentor=a_user(MENTOR, is_mentor=True), open_between_pair=True)
    assert isinstance(caught.value, Conflict)


def test_a_bad_period_is_reported_before_any_other_broken_rule() -> None:
    me = a_user(MENTEE)
    with pytest.raises(InvalidPeriod):
        ask(mentee=me, mentor=me, start=END, end=START, open_between_pair=True)


def test_a_new_mentoring_is_pending_and_records_that_it_was_requested() -> None:
    new = NewMentoring(MENTOR, MENTEE, START, END, requested_at=T0)
    mentoring = Mentoring.from_new(MentoringId(7), new)
    assert mentoring.status is Status.PENDING
    assert mentoring.created_at == mentoring.updated_at == T0
    assert not mentoring.is_accepted
    assert mentoring.message_count == 0
    assert mentoring.last_message_at is None
    assert mentoring.pull_events() == [MentoringRequested(MentoringId(7), T0, MENTOR, MENTEE)]
    assert mentoring.pull_events() == []


# --- who is who ------------------------------------------------------------------------------


def test_each_participant_has_a_role_and_an_other_participant() -> None:
    mentoring = pending()
    assert mentoring.involves(MENTOR)
    assert mentoring.involves(MENTEE)
    assert not mentoring.involves(STRANGER)
    assert mentoring.role_of(MENTOR) is Role.MENTOR
    assert mentoring.role_of(MENTEE) is Role.MENTEE
    assert mentoring.other_participant(MENTOR) == MENTEE
    assert mentoring.other_participant(MENTEE) == MENTOR


def test_to_a_stranger_a_mentoring_looks_missing() -> None:
    mentoring = pending()
    for look in (mentoring.ensure_visible_to, mentoring.role_of, mentoring.other_participant):
        with pytest.raises(MentoringNotFound) as caught:
            look(STRANGER)
        assert isinstance(caught.value, NotFound)


def test_only_pending_and_active_mentorings_are_open() -> None:
    assert {s for s in Status if s.is_open} == {Status.PENDING, Status.ACTIVE}
    assert {s for s in Status if s.is_terminal} == {
        Status.REJECTED,
        Status.CANCELLED,
        Status.COMPLETED,
        Status.EXPIRED,
    }


@pytest.mark.parametrize(
    ("build", "accepted"),
    [
        (pending, False),
        (active, True),
        (rejected, False),
        (cancelled_while_pending, False),
        (cancelled_while_active, True),
        (completed, True),
    ],
)
def test_a_mentoring_is_accepted_once_it_has_been_active(
    build: Callable[[], Mentoring], accepted: bool
) -> None:
    assert build().is_accepted is accepted


# --- respond ---------------------------------------------------------------------------------


def test_the_mentor_accepts_a_pending_request_and_it_becomes_active() -> None:
    mentoring = pending()
    mentoring.respond(by=MENTOR, accept=True, at=LATER)
    assert mentoring.status is Status.ACTIVE
    assert mentoring.accepted_at == mentoring.updated_at == LATER
    assert mentoring.created_at == T0
    assert mentoring.pull_events() == [MentoringAccepted(mentoring.id, LATER, MENTOR)]


def test_the_mentor_refuses_a_pending_request_and_it_becomes_rejected() -> None:
    mentoring = pending()
    mentoring.respond(by=MENTOR, accept=False, at=LATER)
    assert mentoring.status is Status.REJECTED
    assert mentoring.updated_at == LATER
    assert mentoring.accepted_at is None
    assert mentoring.pull_events() == [MentoringRejected(mentoring.id, LATER, MENTOR)]


@pytest.mark.parametrize("accept", [True, False])
def test_the_mentee_may_not_respond_to_their_own_request(accept: bool) -> None:
    mentoring = pending()
    before = snapshot(mentoring)
    with pytest.raises(NotTheMentor) as caught:
        mentoring.respond(by=MENTEE, accept=accept, at=LATER)
    assert isinstance(caught.value, NotAllowed)
    assert snapshot(mentoring) == before


@pytest.mark.parametrize("accept", [True, False])
def test_a_stranger_who_responds_is_told_the_request_does_not_exist(accept: bool) -> None:
    mentoring = pending()
    before = snapshot(mentoring)
    with pytest.raises(MentoringNotFound):
        mentoring.respond(by=STRANGER, accept=accept, at=LATER)
    assert snapshot(mentoring) == before


@pytest.mark.parametrize("state", ["active", *TERMINAL])
@pytest.mark.parametrize("accept", [True, False])
def test_a_request_that_is_no_longer_pending_cannot_be_responded_to(
    state: str, accept: bool
) -> None:
    mentoring = BUILDERS[state]()
    before = snapshot(mentoring)
    with pytest.raises(RequestNotPending) as caught:
        mentoring.respond(by=MENTOR, accept=accept, at=LATER)
    assert isinstance(caught.value, Conflict)
    assert isinstance(caught.value, InvalidTransition)
    status = mentoring.status.value
    assert caught.value.message == f"This request is no longer pending (it is {status})."
    assert str(caught.value) == caught.value.message
    assert snapshot(mentoring) == before


def test_the_mentee_responding_to_a_closed_request_is_still_not_the_mentor() -> None:
    mentoring = completed()
    with pytest.raises(NotTheMentor):
        mentoring.respond(by=MENTEE, accept=True, at=LATER)


# --- cancel ----------------------------------------------------------------------------------


def test_the_mentee_withdraws_a_pending_request() -> None:
    mentoring = pending()
    mentoring.cancel(by=MENTEE, at=LATER)
    assert mentoring.status is Status.CANCELLED
    assert mentoring.updated_at == LATER
    assert not mentoring.is_accepted
    assert mentoring.pull_events() == [MentoringWithdrawn(mentoring.id, LATER, MENTEE)]


def test_the_mentor_may_not_cancel_a_pending_request_but_refuses_it_instead() -> None:
    mentoring = pending()
    before = snapshot(mentoring)
    with pytest.raises(NotTheRequester) as caught:
        mentoring.cancel(by=MENTOR, at=LATER)
    assert isinstance(caught.value, NotAllowed)
    assert snapshot(mentoring) == before


@pytest.mark.parametrize("by", [MENTEE, MENTOR])
def test_either_participant_may_cancel_an_active_mentoring(by: UserId) -> None:
    mentoring = active()
    mentoring.cancel(by=by, at=LATER)
    assert mentoring.status is Status.CANCELLED
    assert mentoring.is_accepted
    assert mentoring.pull_events() == [MentoringCancelled(mentoring.id, LATER, by)]


@pytest.mark.parametrize("state", TERMINAL)
@pytest.mark.parametrize("by", [MENTEE, MENTOR])
def test_a_closed_mentoring_cannot_be_cancelled(state: str, by: UserId) -> None:
    mentoring = BUILDERS[state]()
    before = snapshot(mentoring)
    with pytest.raises(InvalidTransition) as caught:
        mentoring.cancel(by=by, at=LATER)
    assert type(caught.value) is InvalidTransition
    assert caught.value.message == f"Cannot cancel a mentoring that is {mentoring.status}."
    assert snapshot(mentoring) == before


@pytest.mark.parametrize("state", BUILDERS)
def test_a_stranger_cannot_cancel_any_mentoring(state: str) -> None:
    mentoring = BUILDERS[state]()
    before = snapshot(mentoring)
    with pytest.raises(MentoringNotFound):
        mentoring.cancel(by=STRANGER, at=LATER)
    assert snapshot(mentoring) == before


# --- complete --------------------------------------------------------------------------------


@pytest.mark.parametrize("by", [MENTEE, MENTOR])
def test_either_participant_may_complete_an_active_mentoring(by: UserId) -> None:
    mentoring = active()
    mentoring.complete(by=by, at=LATER)
    assert mentoring.status is Status.COMPLETED
    assert mentoring.updated_at == LATER
    assert mentoring.pull_events() == [MentoringCompleted(mentoring.id, LATER, by)]


@pytest.mark.parametrize("state", ["pending", *TERMINAL])
@pytest.mark.parametrize("by", [MENTEE, MENTOR])
def test_only_an_active_mentoring_can_be_completed(state: str, by: UserId) -> None:
    mentoring = BUILDERS[state]()
    before = snapshot(mentoring)
    with pytest.raises(InvalidTransition) as caught:
        mentoring.complete(by=by, at=LATER)
    assert caught.value.action == "complete"
    assert caught.value.status == mentoring.status.value
    assert snapshot(mentoring) == before


@pytest.mark.parametrize("state", BUILDERS)
def test_a_stranger_cannot_complete_any_mentoring(state: str) -> None:
    mentoring = BUILDERS[state]()
    with pytest.raises(MentoringNotFound):
        mentoring.complete(by=STRANGER, at=LATER)


# --- end: cancel or complete, as the ending says -----------------------------------------------


@pytest.mark.parametrize(
    ("ending", "status", "event"),
    [
        (Ending.CANCELLED, Status.CANCELLED, MentoringCancelled),
        (Ending.COMPLETED, Status.COMPLETED, MentoringCompleted),
    ],
)
@pytest.mark.parametrize("by", [MENTEE, MENTOR])
def test_ending_an_active_mentoring_gives_it_the_status_its_ending_names(
    ending: Ending, status: Status, event: type[MentoringCancelled | MentoringCompleted], by: UserId
) -> None:
    mentoring = active()
    mentoring.end(ending, by=by, at=LATER)
    assert mentoring.status is status
    assert mentoring.updated_at == LATER
    assert mentoring.is_accepted
    assert mentoring.pull_events() == [event(mentoring.id, LATER, by)]


def outcome(action: Callable[[], None]) -> tuple[type[Exception], str] | None:
    try:
        action()
    except Exception as error:
        return type(error), str(error)
    return None


@pytest.mark.parametrize("state", BUILDERS)
@pytest.mark.parametrize("ending", list(Ending))
@pytest.mark.parametrize("by", [MENTEE, MENTOR, STRANGER])
def test_ending_follows_the_rules_of_withdraw_stop_and_complete_exactly(
    state: str, ending: Ending, by: UserId
) -> None:
    ended, direct = BUILDERS[state](), BUILDERS[state]()
    act = {
        Ending.WITHDRAWN: direct.withdraw,
        Ending.CANCELLED: direct.stop,
        Ending.COMPLETED: direct.complete,
    }[ending]
    assert outcome(lambda: ended.end(ending, by=by, at=LATER)) == outcome(
        lambda: act(by=by, at=LATER)
    )
    assert snapshot(ended) == snapshot(direct)


# --- time and events -------------------------------------------------------------------------


def test_updated_at_never_moves_back_when_the_clock_does() -> None:
    mentoring = pending()
    mentoring.respond(by=MENTOR, accept=True, at=T0 - timedelta(minutes=5))
    assert mentoring.updated_at == T0


def test_each_transition_records_exactly_one_event_of_its_kind_in_order() -> None:
    new = NewMentoring(MENTOR, MENTEE, START, END, requested_at=T0)
    mentoring = Mentoring.from_new(MentoringId(9), new)
    mentoring.respond(by=MENTOR, accept=True, at=T0 + timedelta(days=1))
    mentoring.complete(by=MENTEE, at=T0 + timedelta(days=2))
    assert [type(e) for e in mentoring.pull_events()] == [
        MentoringRequested,
        MentoringAccepted,
        MentoringCompleted,
    ]
    assert mentoring.events == []


def test_a_refused_action_records_no_event() -> None:
    mentoring = completed()
    for action in (
        lambda: mentoring.respond(by=MENTOR, accept=True, at=LATER),
        lambda: mentoring.cancel(by=MENTEE, at=LATER),
        lambda: mentoring.complete(by=MENTOR, at=LATER),
    ):
        with pytest.raises(InvalidTransition):
            action()
    assert mentoring.pull_events() == []
