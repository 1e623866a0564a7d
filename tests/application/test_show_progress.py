"""Progress of the caller's accepted mentorings, with the two people's public details."""

from __future__ import annotations

from datetime import date, timedelta

from mentorat.adapters.memory.services import ManualClock
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.domain.mentoring import Ending, Status

from .support import PASSWORD, T0, People, accepted, ask


async def test_progress_lists_accepted_mentorings_with_both_people_and_the_numbers(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    await ask(app, people.mentee, people.other_mentor)  # pending: no progress yet
    clock.advance(days=9)  # 2025-01-10: day 10 of 365
    await app.post_message(PostMessageCommand(mentoring.id, people.mentee.id, "Hello"))
    clock.advance(hours=1)
    await app.post_message(PostMessageCommand(mentoring.id, people.mentor.id, "Hi!"))

    for caller in (people.mentee, people.mentor):
        (row,) = await app.show_progress(caller.id)
        assert row.mentoring.id == mentoring.id
        assert row.mentoring.status is Status.ACTIVE
        assert row.mentee == people.mentee
        assert row.mentor == people.mentor
        assert row.progress.total_days == 365
        assert row.progress.elapsed_days == 10
        assert row.progress.percent_elapsed == 2.7
        assert row.progress.message_count == 2
        assert row.progress.last_activity_at == T0 + timedelta(days=9, hours=1)


async def test_progress_shows_the_mentors_phone_and_verification(
    app: Mentorat, people: People
) -> None:
    mentor = await app.register_user(
        RegisterCommand("Mentor_2", PASSWORD, "m2@example.com", is_mentor=True, phone_number="0612")
    )
    await app.verify_user("mentor_2")
    await accepted(app, people.mentee, mentor)
    (row,) = await app.show_progress(people.mentee.id)
    assert (row.mentor.username, row.mentor.phone_number, row.mentor.is_verified) == (
        "Mentor_2",
        "0612",
        True,
    )


async def test_a_finished_mentoring_keeps_its_progress(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    clock.advance(days=400)
    await app.end_mentoring(EndCommand(mentoring.id, people.mentor.id, Ending.COMPLETED))
    (row,) = await app.show_progress(people.mentee.id)
    assert row.mentoring.status is Status.COMPLETED
    assert (row.progress.elapsed_days, row.progress.percent_elapsed) == (365, 100.0)
    assert row.progress.last_activity_at == T0 + timedelta(days=400)


async def test_a_mentoring_that_starts_later_has_not_started_yet(
    app: Mentorat, people: People
) -> None:
    request = await ask(
        app, people.mentee, people.mentor, start=date(2025, 2, 1), end=date(2025, 2, 28)
    )
    await app.respond_to_request(RespondCommand(request.id, people.mentor.id, accept=True))
    (row,) = await app.show_progress(people.mentee.id)
    assert (row.progress.total_days, row.progress.elapsed_days) == (28, 0)
    assert row.progress.percent_elapsed == 0.0
