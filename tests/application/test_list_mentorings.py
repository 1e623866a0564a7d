"""What a user sees of their mentorings: every request, or only the accepted ones."""

from __future__ import annotations

import pytest

from mentorat.application.end_mentoring import EndCommand
from mentorat.application.list_requests import ListRequestsQuery
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.application.views import MentoringView
from mentorat.domain.mentoring import Ending, Role, Status
from mentorat.domain.paging import ListPage
from mentorat.domain.users import UserId

from .support import People, accepted, ask, register


class Mentorings:
    """One mentoring in each state the contract names, all with Mia as mentee or mentor."""

    def __init__(self, **views: MentoringView) -> None:
        self.views = views

    def ids(self, *names: str) -> list[int]:
        return sorted(self.views[n].id for n in names)


@pytest.fixture
async def history(app: Mentorat, people: People) -> Mentorings:
    mia, stranger = people.mentee, people.stranger
    mentors = [await register(app, f"mentor{n}", is_mentor=True) for n in range(6)]
    pending = await ask(app, mia, mentors[0])
    active = await accepted(app, mia, mentors[1])
    rejected = await ask(app, mia, mentors[2])
    await app.respond_to_request(RespondCommand(rejected.id, mentors[2].id, accept=False))
    withdrawn = await ask(app, mia, mentors[3])
    await app.end_mentoring(EndCommand(withdrawn.id, mia.id, Ending.WITHDRAWN))
    stopped = await accepted(app, mia, mentors[4])
    await app.end_mentoring(EndCommand(stopped.id, mentors[4].id, Ending.CANCELLED))
    completed = await accepted(app, mia, mentors[5])
    await app.end_mentoring(EndCommand(completed.id, mia.id, Ending.COMPLETED))
    # Mia, who is no mentor, still receives nothing; these two belong to other people.
    await ask(app, stranger, people.mentor)
    await accepted(app, stranger, people.other_mentor)
    return Mentorings(
        pending=pending,
        active=active,
        rejected=rejected,
        withdrawn=withdrawn,
        stopped=stopped,
        completed=completed,
    )


async def requests(
    app: Mentorat, caller: UserId, status: Status | None = None, role: Role | None = None
) -> list[int]:
    return [v.id for v in await app.list_requests(ListRequestsQuery(caller, status, role))]


async def test_a_user_sees_every_request_they_take_part_in_by_id(
    app: Mentorat, people: People, history: Mentorings
) -> None:
    found = await app.list_requests(ListRequestsQuery(people.mentee.id))
    assert [v.id for v in found] == history.ids(*history.views)
    assert [v.status for v in found] == [
        Status.PENDING,
        Status.ACTIVE,
        Status.REJECTED,
        Status.CANCELLED,
        Status.CANCELLED,
        Status.COMPLETED,
    ]


@pytest.mark.parametrize(
    ("status", "names"),
    [
        (Status.PENDING, ["pending"]),
        (Status.ACTIVE, ["active"]),
        (Status.REJECTED, ["rejected"]),
        (Status.CANCELLED, ["withdrawn", "stopped"]),
        (Status.COMPLETED, ["completed"]),
    ],
)
async def test_requests_can_be_filtered_by_status(
    app: Mentorat, people: People, history: Mentorings, status: Status, names: list[str]
) -> None:
    assert await requests(app, people.mentee.id, status) == history.ids(*names)


async def test_requests_can_be_filtered_by_the_callers_role(
    app: Mentorat, people: People, history: Mentorings
) -> None:
    assert await requests(app, people.mentee.id, role=Role.MENTEE) == history.ids(*history.views)
    assert await requests(app, people.mentee.id, role=Role.MENTOR) == []
    stranger_asked = await requests(app, people.mentor.id, role=Role.MENTOR)
    assert len(stranger_asked) == 1
    assert await requests(app, people.mentor.id, role=Role.MENTEE) == []


async def test_a_mentor_sees_the_requests_sent_to_them_and_those_they_sent(
    app: Mentorat, people: People
) -> None:
    received = await ask(app, people.mentee, people.mentor)
    sent = await ask(app, people.mentor, people.other_mentor)
    assert await requests(app, people.mentor.id) == [received.id, sent.id]
    assert await requests(app, people.mentor.id, role=Role.MENTOR) == [received.id]
    assert await requests(app, people.mentor.id, role=Role.MENTEE) == [sent.id]


async def test_status_and_role_filters_combine(
    app: Mentorat, people: People, history: Mentorings
) -> None:
    assert await requests(app, people.mentee.id, Status.ACTIVE, Role.MENTEE) == history.ids(
        "active"
    )
    assert await requests(app, people.mentee.id, Status.ACTIVE, Role.MENTOR) == []


async def test_filters_given_as_plain_strings_work_like_the_enum_members(
    app: Mentorat, people: People, history: Mentorings
) -> None:
    query = ListRequestsQuery(people.mentee.id, "cancelled", "mentee")  # type: ignore[arg-type]
    assert [v.id for v in await app.list_requests(query)] == history.ids("withdrawn", "stopped")
    query = ListRequestsQuery(people.mentee.id, None, "mentor")  # type: ignore[arg-type]
    assert await app.list_requests(query) == []


async def test_accepted_mentorings_are_those_that_have_been_active(
    app: Mentorat, people: People, history: Mentorings
) -> None:
    found = await app.list_mentorings(people.mentee.id)
    assert [v.id for v in found] == history.ids("active", "stopped", "completed")


async def test_a_mentor_sees_the_mentorings_they_accepted(app: Mentorat, people: People) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    await ask(app, people.stranger, people.mentor)
    assert [v.id for v in await app.list_mentorings(people.mentor.id)] == [mentoring.id]


async def test_a_user_with_no_mentoring_sees_empty_lists(app: Mentorat, people: People) -> None:
    await accepted(app, people.mentee, people.mentor)
    assert await app.list_requests(ListRequestsQuery(people.stranger.id)) == []
    assert await app.list_mentorings(people.stranger.id) == []
    assert await app.show_progress(people.stranger.id) == []


async def test_requests_with_people_name_both_people_of_each_request(
    app: Mentorat, people: People, history: Mentorings
) -> None:
    query = ListRequestsQuery(people.mentee.id, page=ListPage(limit=2))
    found = await app.list_requests.with_people(query)
    plain = await app.list_requests.paged(query)
    assert [r.mentoring for r in found.items] == plain.items
    assert found.next_after == plain.next_after
    for request in found.items:
        assert request.mentee.id == request.mentoring.mentee_id == people.mentee.id
        assert request.mentor.id == request.mentoring.mentor_id
        assert request.mentor.is_mentor
