"""Chat rules: who may post, what a message may say, when, and how a page is asked for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from mentorat.domain.chat import (
    ID_MAX,
    MESSAGE_MAX,
    PAGE_DEFAULT,
    PAGE_MAX,
    Message,
    NewMessage,
    PageRequest,
    chat_time,
    clean_text,
    compose_message,
    paginate,
    posted,
)
from mentorat.domain.errors import (
    Conflict,
    EmptyMessage,
    InvalidInput,
    InvalidPaging,
    MentoringClosed,
    MentoringNotFound,
    MessageTooLong,
    UnstorableText,
)
from mentorat.domain.events import MentoringId, MessageId, MessagePosted
from mentorat.domain.users import UserId

from .builders import BUILDERS, LATER, MENTEE, MENTOR, STRANGER, T0, TERMINAL, snapshot


def test_the_limits_are_those_of_the_contract() -> None:
    assert (MESSAGE_MAX, PAGE_DEFAULT, PAGE_MAX) == (4000, 50, 200)


# --- the text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("hello", "hello"),
        ("  hello  ", "hello"),
        ("\n\tline one\nline two \r\n", "line one\nline two"),
    ],
)
def test_a_message_is_stored_stripped_of_surrounding_whitespace(text: str, stored: str) -> None:
    assert clean_text(text) == stored


@pytest.mark.parametrize("text", ["", " ", "\n\t \r\n", "\u00a0\u2003"])
def test_an_empty_or_whitespace_only_message_is_refused(text: str) -> None:
    with pytest.raises(EmptyMessage) as caught:
        clean_text(text)
    assert caught.value.field == "message"
    assert isinstance(caught.value, InvalidInput)


def test_a_message_of_exactly_4000_characters_is_accepted() -> None:
    assert clean_text("x" * 4000) == "x" * 4000


def test_surrounding_whitespace_does_not_count_towards_the_4000_characters() -> None:
    assert clean_text("  " + "x" * 4000 + "\n") == "x" * 4000


def test_a_message_of_4001_characters_after_stripping_is_refused() -> None:
    with pytest.raises(MessageTooLong, match="4000") as caught:
        clean_text(" " + "x" * 4001 + " ")
    assert caught.value.field == "message"


@pytest.mark.parametrize("text", ["nul \x00 inside", "lone \udc80 surrogate"])
def test_a_message_no_store_can_keep_is_refused(text: str) -> None:
    with pytest.raises(UnstorableText) as caught:
        clean_text(text)
    assert caught.value.field == "message"


# --- who and when ----------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["pending", "active"])
@pytest.mark.parametrize("by", [MENTEE, MENTOR])
def test_a_participant_may_post_while_the_mentoring_is_pending_or_active(
    state: str, by: UserId
) -> None:
    mentoring = BUILDERS[state]()
    before = snapshot(mentoring)
    new = compose_message(mentoring, by=by, text="  hi  ", at=LATER)
    assert new == NewMessage(mentoring.id, by, "hi", LATER)
    # The store that keeps the chat counts the message as it stores it; composing changes nothing.
    assert snapshot(mentoring) == before


def test_composing_keeps_the_time_the_post_read_and_leaves_the_dating_to_the_store() -> None:
    mentoring = BUILDERS["active"]()
    mentoring.last_message_at = LATER
    # This post read the clock a moment before the last message was stored.
    new = compose_message(mentoring, by=MENTOR, text="second", at=LATER - timedelta(seconds=1))
    assert new.created_at == LATER - timedelta(seconds=1)
    assert mentoring.last_message_at == LATER


def test_a_message_is_never_dated_before_the_one_it_follows() -> None:
    assert chat_time(None, T0) == T0
    assert chat_time(T0, LATER) == LATER
    assert chat_time(LATER, T0) == LATER
    assert chat_time(LATER, LATER) == LATER


@pytest.mark.parametrize("state", TERMINAL)
@pytest.mark.parametrize("by", [MENTEE, MENTOR])
def test_a_closed_mentoring_accepts_no_messages(state: str, by: UserId) -> None:
    mentoring = BUILDERS[state]()
    with pytest.raises(MentoringClosed) as caught:
        compose_message(mentoring, by=by, text="hello?", at=LATER)
    assert isinstance(caught.value, Conflict)
    assert caught.value.status == mentoring.status.value
    assert mentoring.message_count == 0
    assert mentoring.last_message_at is None


def test_a_rejected_mentoring_accepts_no_messages() -> None:
    with pytest.raises(MentoringClosed, match="this one is rejected"):
        compose_message(BUILDERS["rejected"](), by=MENTEE, text="please?", at=LATER)


@pytest.mark.parametrize("text", ["hello", ""])
def test_a_stranger_cannot_post_and_learns_nothing_not_even_that_the_text_is_bad(
    text: str,
) -> None:
    mentoring = BUILDERS["active"]()
    with pytest.raises(MentoringNotFound):
        compose_message(mentoring, by=STRANGER, text=text, at=LATER)
    assert mentoring.message_count == 0


def test_a_refused_text_is_not_counted() -> None:
    mentoring = BUILDERS["active"]()
    with pytest.raises(EmptyMessage):
        compose_message(mentoring, by=MENTEE, text="   ", at=LATER)
    assert mentoring.message_count == 0
    assert mentoring.last_message_at is None


def test_a_stored_message_makes_a_posted_event_of_its_own() -> None:
    message = Message(MessageId(3), MentoringId(7), MENTEE, "hi", LATER)
    assert posted(message) == MessagePosted(MentoringId(7), LATER, MessageId(3), MENTEE)


# --- page requests ---------------------------------------------------------------------------


def test_the_default_page_request_is_the_newest_50() -> None:
    assert PageRequest() == PageRequest(limit=50, before=None, after=None)


@pytest.mark.parametrize("limit", [1, 2, 199, 200])
def test_a_limit_from_1_to_200_is_accepted(limit: int) -> None:
    assert PageRequest(limit=limit).limit == limit


@pytest.mark.parametrize("limit", [-1, 0, 201, 10_000])
def test_a_limit_outside_1_to_200_is_refused(limit: int) -> None:
    with pytest.raises(InvalidPaging, match="between 1 and 200") as caught:
        PageRequest(limit=limit)
    assert caught.value.field == "limit"
    assert isinstance(caught.value, InvalidInput)


@pytest.mark.parametrize("before", [1, 2, ID_MAX])
def test_before_may_be_any_positive_id(before: int) -> None:
    assert PageRequest(before=MessageId(before)).before == before


@pytest.mark.parametrize("before", [-5, 0, ID_MAX + 1])
def test_before_must_be_a_positive_id_that_fits_in_64_bits(before: int) -> None:
    with pytest.raises(InvalidPaging) as caught:
        PageRequest(before=MessageId(before))
    assert caught.value.field == "before"


@pytest.mark.parametrize("after", [0, 1, ID_MAX - 1])
def test_after_may_be_zero_for_the_first_page_or_any_id(after: int) -> None:
    assert PageRequest(after=MessageId(after)).after == after


@pytest.mark.parametrize("after", [-1, ID_MAX, 2**64])
def test_after_must_not_be_negative_nor_overflow_64_bits(after: int) -> None:
    with pytest.raises(InvalidPaging) as caught:
        PageRequest(after=MessageId(after))
    assert caught.value.field == "after"


def test_before_and_after_together_are_refused() -> None:
    with pytest.raises(InvalidPaging, match="not both"):
        PageRequest(before=MessageId(5), after=MessageId(1))


# --- pages, by example (the properties are in test_paging_properties.py) ---------------------


def chat(*ids: int) -> list[Message]:
    return [Message(MessageId(i), MentoringId(1), MENTEE, f"m{i}", T0) for i in ids]


def ids_of(messages: Sequence[Message]) -> list[int]:
    return [m.id for m in messages]


def test_an_empty_chat_has_an_empty_page_and_no_cursors() -> None:
    for request in (
        PageRequest(),
        PageRequest(before=MessageId(9)),
        PageRequest(after=MessageId(0)),
    ):
        page = paginate([], request)
        assert (list(page.messages), page.older_cursor, page.newer_cursor) == ([], None, None)


def test_the_newest_page_points_to_older_messages_only() -> None:
    page = paginate(chat(1, 2, 5, 8, 9), PageRequest(limit=2))
    assert ids_of(page.messages) == [8, 9]
    assert (page.older_cursor, page.newer_cursor) == (8, None)


def test_a_page_before_an_id_in_a_gap_points_both_ways() -> None:
    page = paginate(chat(1, 2, 5, 8, 9), PageRequest(limit=2, before=MessageId(7)))
    assert ids_of(page.messages) == [2, 5]
    assert (page.older_cursor, page.newer_cursor) == (2, 5)


def test_a_page_after_an_id_points_to_newer_messages_only_while_there_are_some() -> None:
    history = chat(1, 2, 5, 8, 9)
    first = paginate(history, PageRequest(limit=3, after=MessageId(0)))
    assert ids_of(first.messages) == [1, 2, 5]
    assert (first.older_cursor, first.newer_cursor) == (None, 5)
    last = paginate(history, PageRequest(limit=3, after=MessageId(5)))
    assert ids_of(last.messages) == [8, 9]
    assert (last.older_cursor, last.newer_cursor) == (8, None)


def test_polling_after_the_newest_message_gives_an_empty_page_that_points_back() -> None:
    page = paginate(chat(1, 2, 3), PageRequest(after=MessageId(3)))
    assert list(page.messages) == []
    assert (page.older_cursor, page.newer_cursor) == (4, None)
    assert ids_of(paginate(chat(1, 2, 3), PageRequest(before=MessageId(4))).messages) == [1, 2, 3]


def test_an_empty_page_before_the_oldest_message_points_forward() -> None:
    page = paginate(chat(5, 6), PageRequest(before=MessageId(3)))
    assert list(page.messages) == []
    assert (page.older_cursor, page.newer_cursor) == (None, 2)
    assert ids_of(paginate(chat(5, 6), PageRequest(after=MessageId(2))).messages) == [5, 6]
