"""Goals of a mentoring through the use cases, on the memory adapters: list, add, edit,
reorder, delete, their limits, and their tally on the progress list."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, timedelta

import pytest

from mentorat.adapters.memory.services import ManualClock
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.errors import IdempotencyKeyReused
from mentorat.application.manage_goals import (
    AddGoalCommand,
    DeleteGoalCommand,
    EditGoalCommand,
    ListGoalsQuery,
    ReorderGoalsCommand,
)
from mentorat.application.service import Mentorat
from mentorat.application.views import GoalView, MentoringView
from mentorat.domain.errors import (
    GoalNotFound,
    GoalsClosed,
    InvalidGoalOrder,
    InvalidGoalTitle,
    MentoringNotFound,
    TooManyGoals,
)
from mentorat.domain.events import MentoringId
from mentorat.domain.goals import GOALS_MAX, GoalEdit, GoalId
from mentorat.domain.mentoring import Ending
from mentorat.domain.users import UserId

from .support import T0, People, accepted, ask, snapshot

DUE = date(2025, 3, 1)


@pytest.fixture
async def mentoring(app: Mentorat, people: People) -> MentoringView:
    return await accepted(app, people.mentee, people.mentor)


async def add(
    app: Mentorat,
    mentoring: MentoringView,
    by: UserId,
    title: str,
    due_date: date | None = None,
    *,
    key: str | None = None,
    fingerprint: str = "",
) -> GoalView:
    return await app.add_goal(
        AddGoalCommand(
            mentoring.id, by, title, due_date, idempotency_key=key, fingerprint=fingerprint
        )
    )


async def listed(app: Mentorat, mentoring: MentoringView, by: UserId) -> list[tuple[str, int]]:
    goals = await app.list_goals(ListGoalsQuery(mentoring.id, by))
    return [(g.title, g.position) for g in goals]


async def test_either_participant_adds_goals_that_come_last_and_both_see_them(
    app: Mentorat, people: People, mentoring: MentoringView, clock: ManualClock
) -> None:
    clock.advance(minutes=1)
    first = await add(app, mentoring, people.mentee.id, "  Read the book ", DUE)
    assert first == GoalView(
        id=first.id,
        mentoring_id=mentoring.id,
        title="Read the book",
        due_date=DUE,
        done=False,
        position=1,
        created_at=T0 + timedelta(minutes=1),
        updated_at=T0 + timedelta(minutes=1),
        done_at=None,
    )
    second = await add(app, mentoring, people.mentor.id, "Write the summary")
    assert (second.position, second.due_date) == (2, None)
    for caller in (people.mentee, people.mentor):
        assert await listed(app, mentoring, caller.id) == [
            ("Read the book", 1),
            ("Write the summary", 2),
        ]


async def test_strangers_and_unknown_mentorings_get_mentoring_not_found_and_change_nothing(
    app: Mentorat, people: People, mentoring: MentoringView, store: InMemoryStore
) -> None:
    goal = await add(app, mentoring, people.mentee.id, "Mine")
    before = snapshot(store)
    stranger = people.stranger.id
    for call in (
        app.list_goals(ListGoalsQuery(mentoring.id, stranger)),
        app.add_goal(AddGoalCommand(mentoring.id, stranger, "theirs")),
        app.edit_goal(EditGoalCommand(mentoring.id, goal.id, stranger, GoalEdit(done=True))),
        app.delete_goal(DeleteGoalCommand(mentoring.id, goal.id, stranger)),
        app.reorder_goals(ReorderGoalsCommand(mentoring.id, stranger, [goal.id])),
        app.list_goals(ListGoalsQuery(MentoringId(404), people.mentee.id)),
        app.add_goal(AddGoalCommand(MentoringId(404), people.mentee.id, "x")),
    ):
        with pytest.raises(MentoringNotFound):
            await call
    assert snapshot(store) == before


async def test_a_goal_of_another_mentoring_or_no_goal_at_all_is_not_found(
    app: Mentorat, people: People, mentoring: MentoringView
) -> None:
    other = await accepted(app, people.mentee, people.other_mentor)
    elsewhere = await add(app, other, people.mentee.id, "Elsewhere")
    for goal_id in (elsewhere.id, GoalId(404)):
        with pytest.raises(GoalNotFound):
            await app.edit_goal(
                EditGoalCommand(mentoring.id, goal_id, people.mentee.id, GoalEdit(done=True))
            )
        with pytest.raises(GoalNotFound):
            await app.delete_goal(DeleteGoalCommand(mentoring.id, goal_id, people.mentee.id))
    assert await listed(app, other, people.mentee.id) == [("Elsewhere", 1)]


async def test_an_edit_changes_what_it_names_and_a_tick_is_dated(
    app: Mentorat, people: People, mentoring: MentoringView, clock: ManualClock
) -> None:
    goal = await add(app, mentoring, people.mentee.id, "Draft", DUE)
    clock.advance(hours=1)
    renamed = await app.edit_goal(
        EditGoalCommand(mentoring.id, goal.id, people.mentor.id, GoalEdit(title=" Final "))
    )
    assert (renamed.title, renamed.due_date, renamed.done) == ("Final", DUE, False)
    assert renamed.updated_at == T0 + timedelta(hours=1)
    clock.advance(hours=1)
    ticked = await app.edit_goal(
        EditGoalCommand(mentoring.id, goal.id, people.mentee.id, GoalEdit(done=True, due_date=None))
    )
    assert (ticked.done, ticked.due_date) == (True, None)
    assert ticked.done_at == ticked.updated_at == T0 + timedelta(hours=2)
    assert (await app.list_goals(ListGoalsQuery(mentoring.id, people.mentor.id))) == [ticked]


async def test_an_edit_that_changes_nothing_keeps_the_goal_as_it_was(
    app: Mentorat, people: People, mentoring: MentoringView, clock: ManualClock
) -> None:
    goal = await add(app, mentoring, people.mentee.id, "Same")
    clock.advance(hours=1)
    same = await app.edit_goal(
        EditGoalCommand(mentoring.id, goal.id, people.mentee.id, GoalEdit(title="Same"))
    )
    assert same == goal


async def test_bad_titles_are_refused_and_store_nothing(
    app: Mentorat, people: People, mentoring: MentoringView, store: InMemoryStore
) -> None:
    goal = await add(app, mentoring, people.mentee.id, "Fine")
    before = snapshot(store)
    for title in ("", "   ", "x" * 201):
        with pytest.raises(InvalidGoalTitle):
            await add(app, mentoring, people.mentee.id, title)
        with pytest.raises(InvalidGoalTitle):
            await app.edit_goal(
                EditGoalCommand(mentoring.id, goal.id, people.mentee.id, GoalEdit(title=title))
            )
    assert snapshot(store) == before


async def test_deleting_a_goal_moves_the_later_ones_up(
    app: Mentorat, people: People, mentoring: MentoringView
) -> None:
    _, second, _ = [await add(app, mentoring, people.mentee.id, t) for t in ("a", "b", "c")]
    await app.delete_goal(DeleteGoalCommand(mentoring.id, second.id, people.mentor.id))
    assert await listed(app, mentoring, people.mentee.id) == [("a", 1), ("c", 2)]
    with pytest.raises(GoalNotFound):
        await app.delete_goal(DeleteGoalCommand(mentoring.id, second.id, people.mentor.id))
    fourth = await add(app, mentoring, people.mentee.id, "d")
    assert fourth.position == 3


async def test_a_reorder_takes_every_goal_once_and_answers_the_new_order(
    app: Mentorat, people: People, mentoring: MentoringView, store: InMemoryStore
) -> None:
    a, b, c = [await add(app, mentoring, people.mentee.id, t) for t in ("a", "b", "c")]
    ordered = await app.reorder_goals(
        ReorderGoalsCommand(mentoring.id, people.mentor.id, [c.id, a.id, b.id])
    )
    assert [(g.title, g.position) for g in ordered] == [("c", 1), ("a", 2), ("b", 3)]
    assert [g.updated_at for g in ordered] == [c.updated_at, a.updated_at, b.updated_at]
    assert await listed(app, mentoring, people.mentee.id) == [("c", 1), ("a", 2), ("b", 3)]
    other = await accepted(app, people.mentee, people.other_mentor)
    elsewhere = await add(app, other, people.mentee.id, "elsewhere")
    before = snapshot(store)
    for ids in ([c.id, a.id], [c.id, a.id, b.id, b.id], [c.id, a.id, b.id, elsewhere.id], []):
        with pytest.raises(InvalidGoalOrder):
            await app.reorder_goals(ReorderGoalsCommand(mentoring.id, people.mentee.id, ids))
    assert snapshot(store) == before


@pytest.mark.parametrize("ending", [Ending.CANCELLED, Ending.COMPLETED])
async def test_goals_change_only_while_the_mentoring_is_active_and_stay_readable(
    app: Mentorat, people: People, mentoring: MentoringView, ending: Ending
) -> None:
    goal = await add(app, mentoring, people.mentee.id, "Kept")
    await app.end_mentoring(EndCommand(mentoring.id, people.mentor.id, ending))
    me = people.mentee.id
    for call in (
        app.add_goal(AddGoalCommand(mentoring.id, me, "late")),
        app.edit_goal(EditGoalCommand(mentoring.id, goal.id, me, GoalEdit(done=True))),
        app.delete_goal(DeleteGoalCommand(mentoring.id, goal.id, me)),
        app.reorder_goals(ReorderGoalsCommand(mentoring.id, me, [goal.id])),
    ):
        with pytest.raises(GoalsClosed):
            await call
    assert await app.list_goals(ListGoalsQuery(mentoring.id, me)) == [goal]


async def test_a_pending_mentoring_has_no_goals_yet_and_takes_none(
    app: Mentorat, people: People
) -> None:
    pending = await ask(app, people.mentee, people.mentor)
    assert await app.list_goals(ListGoalsQuery(pending.id, people.mentor.id)) == []
    with pytest.raises(GoalsClosed):
        await add(app, pending, people.mentee.id, "Too early")


async def test_a_mentoring_takes_100_goals_and_not_one_more(
    app: Mentorat, people: People, mentoring: MentoringView
) -> None:
    for n in range(GOALS_MAX):
        await add(app, mentoring, people.mentee.id, f"goal {n}")
    with pytest.raises(TooManyGoals):
        await add(app, mentoring, people.mentor.id, "one too many")
    goals = await app.list_goals(ListGoalsQuery(mentoring.id, people.mentee.id))
    assert [g.position for g in goals] == list(range(1, GOALS_MAX + 1))
    await app.delete_goal(DeleteGoalCommand(mentoring.id, goals[0].id, people.mentee.id))
    assert (await add(app, mentoring, people.mentor.id, "room again")).position == GOALS_MAX


async def test_a_retried_goal_answers_with_the_goal_as_it_is_and_is_added_once(
    app: Mentorat, people: People, mentoring: MentoringView, store: InMemoryStore
) -> None:
    def once() -> Awaitable[GoalView]:
        mentee = people.mentee.id
        return add(app, mentoring, mentee, "Once", key="goal-1", fingerprint="f" * 64)

    first = await once()
    assert await once() == first
    ticked = await app.edit_goal(
        EditGoalCommand(mentoring.id, first.id, people.mentee.id, GoalEdit(done=True))
    )
    assert await once() == ticked
    assert len(store.goals) == 1
    with pytest.raises(IdempotencyKeyReused):
        await add(app, mentoring, people.mentee.id, "Twice", key="goal-1", fingerprint="other")
    await app.delete_goal(DeleteGoalCommand(mentoring.id, first.id, people.mentee.id))
    with pytest.raises(GoalNotFound):
        await once()
    assert store.goals == {}


async def test_progress_counts_each_mentorings_goals_and_the_share_done(
    app: Mentorat, people: People, mentoring: MentoringView
) -> None:
    other = await accepted(app, people.mentee, people.other_mentor)
    goals = [await add(app, mentoring, people.mentee.id, t) for t in ("a", "b", "c")]
    for goal in goals[:2]:
        await app.edit_goal(
            EditGoalCommand(mentoring.id, goal.id, people.mentor.id, GoalEdit(done=True))
        )
    rows = {row.mentoring.id: row.progress for row in await app.show_progress(people.mentee.id)}
    figures = rows[mentoring.id]
    assert (figures.goal_count, figures.goals_done, figures.percent_done) == (3, 2, 66.7)
    empty = rows[other.id]
    assert (empty.goal_count, empty.goals_done, empty.percent_done) == (0, 0, None)
