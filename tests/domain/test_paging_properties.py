"""Properties of chat paging: walking pages either way visits every message once, in order.

`paginate` is the reference semantics that every store's paging must agree with, so these
properties pin it down for any page size and history length, with gaps between the ids.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from hypothesis import example, given
from hypothesis import strategies as st

from mentorat.domain.chat import PAGE_DEFAULT, PAGE_MAX, Message, MessagePage, PageRequest, paginate
from mentorat.domain.events import MentoringId, MessageId

from .builders import MENTEE, T0

limits = st.integers(1, PAGE_MAX)


@st.composite
def histories(draw: st.DrawFn, max_size: int = 500) -> list[Message]:
    """A chat's messages by id ascending; ids start anywhere and may skip values."""
    size = draw(st.integers(0, max_size))
    gaps = draw(st.lists(st.integers(1, 4), min_size=size, max_size=size))
    return [
        Message(MessageId(i), MentoringId(1), MENTEE, f"m{i}", T0)
        for i in itertools.accumulate(gaps)
    ]


def chat(size: int) -> list[Message]:
    return [Message(MessageId(i), MentoringId(1), MENTEE, "", T0) for i in range(1, size + 1)]


def ids(messages: Sequence[Message]) -> list[int]:
    return [m.id for m in messages]


def walk_backwards(history: list[Message], limit: int) -> list[list[int]]:
    """Pages from the newest one, following `older_cursor` until there are no older messages."""
    page = paginate(history, PageRequest(limit=limit))
    pages = [ids(page.messages)]
    while page.older_cursor is not None:
        page = paginate(history, PageRequest(limit=limit, before=page.older_cursor))
        assert page.newer_cursor is not None, "a page behind the newest one has newer messages"
        pages.append(ids(page.messages))
        assert len(pages) <= len(history) + 1, "the walk does not end"
    return pages


def walk_forwards(history: list[Message], limit: int) -> list[list[int]]:
    """Pages from `after=0`, following `newer_cursor` until there are no newer messages."""
    page = paginate(history, PageRequest(limit=limit, after=MessageId(0)))
    assert page.older_cursor is None, "nothing is older than the first message"
    pages = [ids(page.messages)]
    while page.newer_cursor is not None:
        page = paginate(history, PageRequest(limit=limit, after=page.newer_cursor))
        assert page.older_cursor is not None, "a page after the first one has older messages"
        pages.append(ids(page.messages))
        assert len(pages) <= len(history) + 1, "the walk does not end"
    return pages


def page_sizes(total: int, limit: int) -> list[int]:
    full, rest = divmod(total, limit)
    return [limit] * full + ([rest] if rest else []) or [0]


@given(histories(), limits)
@example(chat(0), 1)
@example(chat(1), 1)
@example(chat(50), 50)
@example(chat(51), 50)
@example(chat(500), 1)
@example(chat(500), 200)
def test_walking_back_with_before_visits_every_message_once_in_order(
    history: list[Message], limit: int
) -> None:
    pages = walk_backwards(history, limit)
    assert [i for page in reversed(pages) for i in page] == ids(history)
    # Full pages from the newest end; only the oldest page may be short.
    assert [len(p) for p in reversed(pages)] == list(reversed(page_sizes(len(history), limit)))
    for page in pages:
        assert page == sorted(page), "each page is oldest first"


@given(histories(), limits)
@example(chat(0), 1)
@example(chat(1), 1)
@example(chat(200), 200)
@example(chat(201), 200)
@example(chat(500), 1)
def test_walking_forward_with_after_visits_every_message_once_in_order(
    history: list[Message], limit: int
) -> None:
    pages = walk_forwards(history, limit)
    assert [i for page in pages for i in page] == ids(history)
    assert [len(p) for p in pages] == page_sizes(len(history), limit)


@given(histories())
@example(chat(0))
@example(chat(49))
@example(chat(50))
@example(chat(51))
def test_the_default_page_is_the_newest_50_messages_or_all_of_fewer(
    history: list[Message],
) -> None:
    page = paginate(history, PageRequest())
    assert ids(page.messages) == ids(history)[-PAGE_DEFAULT:]
    assert len(page.messages) == min(PAGE_DEFAULT, len(history))
    assert page.newer_cursor is None
    assert (page.older_cursor is not None) == (len(history) > PAGE_DEFAULT)


@st.composite
def page_requests(draw: st.DrawFn, history: list[Message]) -> PageRequest:
    """Any request, with cursors on, next to, between and beyond the ids of `history`."""
    limit = draw(limits)
    known = ids(history)
    near = sorted({0, 1, 2, *known, *(i + 1 for i in known), *(i - 1 for i in known)})
    cursor = draw(st.sampled_from(near) | st.integers(0, 3000))
    kind = draw(st.sampled_from(["newest", "before", "after"]))
    if kind == "before":
        return PageRequest(limit=limit, before=MessageId(max(cursor, 1)))
    if kind == "after":
        return PageRequest(limit=limit, after=MessageId(cursor))
    return PageRequest(limit=limit)


def bounds(request: PageRequest, page: MessagePage) -> tuple[int, int]:
    """The ids that are older than the page (below `low`) and newer (above `high`)."""
    if page.messages:
        return page.messages[0].id, page.messages[-1].id
    if request.before is not None:
        return request.before, request.before - 1
    if request.after is not None:
        return request.after + 1, request.after
    return 1, 0  # an empty chat


@given(st.data(), histories(max_size=120))
def test_cursors_are_set_exactly_when_older_or_newer_messages_exist_and_skip_none(
    data: st.DataObject, history: list[Message]
) -> None:
    request = data.draw(page_requests(history))
    page = paginate(history, request)
    known = ids(history)

    # The page is the right slice.
    if request.after is not None:
        expected = [i for i in known if i > request.after][: request.limit]
    else:
        below = [i for i in known if request.before is None or i < request.before]
        expected = below[-request.limit :]
    assert ids(page.messages) == expected

    low, high = bounds(request, page)
    older = [i for i in known if i < low]
    newer = [i for i in known if i > high]
    assert (page.older_cursor is not None) == bool(older)
    assert (page.newer_cursor is not None) == bool(newer)

    # Following a cursor lands right next to this page: nothing skipped, nothing repeated.
    if page.older_cursor is not None:
        previous = paginate(history, PageRequest(limit=request.limit, before=page.older_cursor))
        assert ids(previous.messages) == older[-request.limit :]
    if page.newer_cursor is not None:
        following = paginate(history, PageRequest(limit=request.limit, after=page.newer_cursor))
        assert ids(following.messages) == newer[: request.limit]


@given(histories(max_size=60), limits)
def test_polling_after_the_newest_message_returns_nothing_and_points_back(
    history: list[Message], limit: int
) -> None:
    newest = history[-1].id if history else 0
    page = paginate(history, PageRequest(limit=limit, after=MessageId(newest)))
    assert list(page.messages) == []
    assert page.newer_cursor is None
    assert (page.older_cursor is not None) == bool(history)
