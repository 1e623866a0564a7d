"""Every domain and application error: its family (what adapters map) and its message."""

from __future__ import annotations

import pytest

from mentorat.application.errors import StorageUnavailable, Throttled
from mentorat.domain.errors import (
    AuthenticationFailed,
    ConcurrentUpdate,
    Conflict,
    EmptyMessage,
    GoalNotFound,
    GoalsClosed,
    InvalidCredentials,
    InvalidEmail,
    InvalidFieldValue,
    InvalidGoalOrder,
    InvalidGoalTitle,
    InvalidInput,
    InvalidPaging,
    InvalidPeriod,
    InvalidToken,
    InvalidTransition,
    InvalidUsername,
    MentoratError,
    MentoringClosed,
    MentoringNotFound,
    MessageTooLong,
    NotAllowed,
    NotAMentor,
    NotFound,
    NotTheMentor,
    NotTheRequester,
    NotYourself,
    OpenMentoringExists,
    RequestNotPending,
    SelfMentoring,
    TooManyGoals,
    UnstorableText,
    UsernameTaken,
    UserNotFound,
    WeakPassword,
)

FAMILIES = (InvalidInput, AuthenticationFailed, NotAllowed, NotFound, Conflict)

CASES: list[tuple[MentoratError, type[MentoratError] | None, str]] = [
    (InvalidUsername("Enter a valid username."), InvalidInput, "Enter a valid username."),
    (InvalidEmail(), InvalidInput, "Enter a valid email address."),
    (WeakPassword("This password is too short."), InvalidInput, "This password is too short."),
    (InvalidPeriod(), InvalidInput, "End_Date must not be before Start_Date."),
    (NotAMentor(), InvalidInput, "mentor_id must be the id of a user who is a mentor."),
    (SelfMentoring(), InvalidInput, "A user cannot request a mentoring from themself."),
    (EmptyMessage(), InvalidInput, "The message is empty."),
    (MessageTooLong(4000), InvalidInput, "The message is longer than 4000 characters."),
    (
        UnstorableText("message"),
        InvalidInput,
        "Null characters and unpaired surrogates are not allowed in this field.",
    ),
    (InvalidPaging("limit", "bad limit"), InvalidInput, "bad limit"),
    (InvalidFieldValue("status", "bad status"), InvalidInput, "bad status"),
    (
        InvalidGoalTitle("This field may not be blank."),
        InvalidInput,
        "This field may not be blank.",
    ),
    (InvalidGoalOrder("ids must not repeat a goal."), InvalidInput, "ids must not repeat a goal."),
    (
        InvalidCredentials(),
        AuthenticationFailed,
        "No active account found with the given credentials",
    ),
    (InvalidToken(), AuthenticationFailed, "Given token not valid for any token type"),
    (NotTheMentor(), NotAllowed, "Only the mentor of this request may respond to it."),
    (
        NotYourself(),
        NotAllowed,
        "mentee_id must be your own id: you can only request for yourself.",
    ),
    (
        NotTheRequester(),
        NotAllowed,
        "Only the mentee may withdraw a pending request; the mentor refuses it.",
    ),
    (MentoringNotFound(), NotFound, "No mentoring matches the given id."),
    (UserNotFound(), NotFound, "No user matches the given id or username."),
    (GoalNotFound(), NotFound, "No goal matches the given id in this mentoring."),
    (UsernameTaken(), Conflict, "A user with that username already exists."),
    (
        OpenMentoringExists(),
        Conflict,
        "This mentor and mentee already have a pending or active mentoring.",
    ),
    (
        InvalidTransition("cancel", "completed"),
        Conflict,
        "Cannot cancel a mentoring that is completed.",
    ),
    (RequestNotPending("active"), Conflict, "This request is no longer pending (it is active)."),
    (
        MentoringClosed("rejected"),
        Conflict,
        "Messages are only allowed while the mentoring is pending or active; this one is rejected.",
    ),
    (
        GoalsClosed("completed"),
        Conflict,
        "Goals can only be changed while the mentoring is active; this one is completed.",
    ),
    (
        TooManyGoals(100),
        Conflict,
        "A mentoring has at most 100 goals; delete one to add another.",
    ),
    (
        ConcurrentUpdate(),
        Conflict,
        "The resource was changed by another request; reload and retry.",
    ),
    # Their own families: 503 and 429 at the HTTP edge.
    (StorageUnavailable(), None, "The database is unavailable; retry shortly."),
    (Throttled(30), None, "Too many failed login attempts. Try again later."),
]


@pytest.mark.parametrize(
    ("error", "family", "message"), CASES, ids=[type(e).__name__ for e, _, _ in CASES]
)
def test_each_error_belongs_to_exactly_one_family_and_says_what_went_wrong(
    error: MentoratError, family: type[MentoratError] | None, message: str
) -> None:
    assert isinstance(error, MentoratError)
    assert [f for f in FAMILIES if isinstance(error, f)] == ([family] if family else [])
    assert error.message == message
    assert str(error) == message


def test_invalid_input_names_the_field_at_fault() -> None:
    errors: list[tuple[str, InvalidInput]] = [
        ("username", InvalidUsername("x")),
        ("email", InvalidEmail()),
        ("password", WeakPassword("x")),
        ("End_Date", InvalidPeriod()),
        ("mentor_id", NotAMentor()),
        ("mentor_id", SelfMentoring()),
        ("message", EmptyMessage()),
        ("message", MessageTooLong(4000)),
        ("before", InvalidPaging("before", "x")),
        ("first_name", UnstorableText("first_name")),
        ("title", InvalidGoalTitle("x")),
        ("ids", InvalidGoalOrder("x")),
    ]
    for field, error in errors:
        assert error.field == field


def test_a_request_that_is_not_pending_is_an_invalid_transition_of_responding() -> None:
    error = RequestNotPending("rejected")
    assert isinstance(error, InvalidTransition)
    assert (error.action, error.status) == ("respond to", "rejected")
    assert error.args == (error.message,)


def test_throttled_says_how_long_to_wait() -> None:
    assert Throttled(42).retry_after == 42
