"""Property: for any two interleaved chats and any page request, a store pages like the domain."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorat.application.ports import UnitOfWork
from mentorat.domain.chat import Message, NewMessage, PageRequest, paginate
from mentorat.domain.mentoring import NewMentoring
from mentorat.domain.users import NewUser

T0 = datetime(2025, 1, 1, tzinfo=UTC)

# (kind, limit, offset): the cursor is `offset` ids past the last id before this example's
# messages, so cursors land before, inside and after the history whatever ids the store hands
# out.
page_requests = st.tuples(
    st.sampled_from(["newest", "before", "after"]),
    st.one_of(st.integers(1, 12), st.sampled_from([50, 200])),
    st.integers(0, 40),
)


def a_user(name: str, mentor: bool) -> NewUser:
    return NewUser(name, f"{name}@example.com", "hash", "", "", mentor, None, T0)


@settings(
    max_examples=60,
    deadline=None,
    # The store is emptied by rolling each example back, not by the fixture.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    layout=st.lists(st.booleans(), max_size=30),
    requests=st.lists(page_requests, min_size=1, max_size=6),
)
async def test_any_page_of_any_history_agrees_with_the_reference_paging(
    uow: UnitOfWork, layout: list[bool], requests: list[tuple[str, int, int]]
) -> None:
    async with uow() as tx:
        mentor = await tx.users.add(a_user("mentor", True))
        other_mentor = await tx.users.add(a_user("other", True))
        mentee = await tx.users.add(a_user("mentee", False))
        new = NewMentoring(mentor.id, mentee.id, date(2025, 1, 1), date(2025, 2, 1), T0)
        chat = await tx.mentorings.add(new)
        other = await tx.mentorings.add(
            NewMentoring(other_mentor.id, mentee.id, new.start_date, new.end_date, T0)
        )
        base = None
        history: list[Message] = []
        for i, in_chat in enumerate(layout):
            where = chat if in_chat else other
            message = await tx.messages.add(
                NewMessage(where.id, mentee.id, f"m{i}", T0 + timedelta(seconds=i)), where
            )
            base = message.id - 1 if base is None else base
            if in_chat:
                history.append(message)
        base = base or 0
        for kind, limit, offset in requests:
            if kind == "newest":
                request = PageRequest(limit=limit)
            elif kind == "before":
                request = PageRequest(limit=limit, before=max(1, base + offset))
            else:
                request = PageRequest(limit=limit, after=base + offset)
            assert await tx.messages.page(chat.id, request) == paginate(history, request)
        # No commit: the example leaves the store empty for the next one.
