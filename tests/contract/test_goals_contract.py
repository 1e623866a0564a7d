"""What every store promises behind the Goals port, and the goal tally of the progress read.

Each case runs unchanged against the memory, SQLite and PostgreSQL adapters (see conftest.py).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, timedelta

import pytest

from mentorat.application.ports import UnitOfWork
from mentorat.domain.errors import ConcurrentUpdate
from mentorat.domain.events import MentoringId
from mentorat.domain.goals import Goal, GoalId, GoalTally, NewGoal
from mentorat.domain.mentoring import Mentoring
from tests.contract.support import T0, changed, people, requested

DUE = date(2025, 6, 30)


async def accepted(uow: UnitOfWork, *names: str) -> list[Mentoring]:
    """One accepted mentoring of the mentor "m" with each mentee of `names`."""
    mentor, *mentees = await people(uow, "m", *names)
    found = []
    for mentee in mentees:
        mentoring = await requested(uow, mentor, mentee)
        found.append(await changed(uow, mentoring.id, "accept", mentor.id))
    return found


async def goals_added(uow: UnitOfWork, mentoring: Mentoring, *titles: str) -> list[Goal]:
    """Goals titled `titles`, at positions 1, 2, ... after those the mentoring has."""
    async with uow() as tx:
        start = await tx.goals.count(mentoring.id)
        added = [
            await tx.goals.add(NewGoal(mentoring.id, title, None, start + i, T0))
            for i, title in enumerate(titles, start=1)
        ]
        await tx.commit()
    return added


async def stored_goals(uow: UnitOfWork, mentoring_id: MentoringId) -> list[Goal]:
    async with uow(write=False) as tx:
        return await tx.goals.list_for(mentoring_id)


def places(goals: list[Goal]) -> list[tuple[str, int]]:
    return [(g.title, g.position) for g in goals]


async def test_a_stored_goal_reads_back_with_every_field_exactly(uow: UnitOfWork) -> None:
    [mentoring] = await accepted(uow, "ada")
    titles = ["Lire « Clean Code » 📚", "x" * 200]
    async with uow() as tx:
        first = await tx.goals.add(NewGoal(mentoring.id, titles[0], DUE, 1, T0))
        second = await tx.goals.add(NewGoal(mentoring.id, titles[1], None, 2, T0))
        await tx.commit()
    assert 0 < first.id < second.id
    assert first == Goal(first.id, mentoring.id, titles[0], DUE, False, 1, T0, T0, None)
    async with uow(write=False) as tx:
        loaded = await tx.goals.get(first.id)
        listed = await tx.goals.list_for(mentoring.id)
    assert loaded == first
    assert loaded.created_at.tzinfo is UTC
    assert loaded.created_at.microsecond == 959579
    assert type(loaded.done) is bool
    assert listed == [first, second]


async def test_unknown_goals_and_mentorings_without_goals_read_as_nothing(
    uow: UnitOfWork,
) -> None:
    [mentoring] = await accepted(uow, "ada")
    async with uow(write=False) as tx:
        assert await tx.goals.get(GoalId(404)) is None
        assert await tx.goals.list_for(mentoring.id) == []
        assert await tx.goals.count(mentoring.id) == 0
        assert await tx.goals.count(MentoringId(404)) == 0


async def test_goals_are_listed_and_counted_per_mentoring_by_position(uow: UnitOfWork) -> None:
    ada, bob = await accepted(uow, "ada", "bob")
    await goals_added(uow, ada, "a1", "a2")
    await goals_added(uow, bob, "b1")
    await goals_added(uow, ada, "a3")
    async with uow() as tx:
        await tx.goals.add(NewGoal(bob.id, "b0", None, 1, T0))
        await tx.commit()
    async with uow(write=False) as tx:
        assert (await tx.goals.count(ada.id), await tx.goals.count(bob.id)) == (3, 2)
    assert places(await stored_goals(uow, ada.id)) == [("a1", 1), ("a2", 2), ("a3", 3)]
    # Equal positions (never left by the use cases) still list in a stable order: by id.
    assert places(await stored_goals(uow, bob.id)) == [("b1", 1), ("b0", 1)]


async def test_saving_writes_what_an_edit_changes_and_never_the_position(
    uow: UnitOfWork,
) -> None:
    [mentoring] = await accepted(uow, "ada")
    goal, _ = await goals_added(uow, mentoring, "first", "second")
    later = T0 + timedelta(hours=1, microseconds=1)
    edited = dataclasses.replace(
        goal, title="renamed", due_date=DUE, done=True, updated_at=later, done_at=later
    )
    edited.position = 2
    async with uow() as tx:
        await tx.goals.save(edited)
        await tx.commit()
    async with uow(write=False) as tx:
        assert await tx.goals.get(goal.id) == dataclasses.replace(edited, position=1)
    unticked = dataclasses.replace(edited, done=False, done_at=None, due_date=None)
    async with uow() as tx:
        await tx.goals.save(unticked)
        await tx.commit()
    async with uow(write=False) as tx:
        assert await tx.goals.get(goal.id) == dataclasses.replace(unticked, position=1)


async def test_saving_a_goal_that_is_gone_is_a_concurrent_update(uow: UnitOfWork) -> None:
    [mentoring] = await accepted(uow, "ada")
    [goal] = await goals_added(uow, mentoring, "only")
    async with uow() as tx:
        await tx.goals.delete(goal)
        await tx.commit()
    async with uow() as tx:
        with pytest.raises(ConcurrentUpdate):
            await tx.goals.save(goal)


async def test_deleting_a_goal_closes_its_gap_in_its_mentoring_only(uow: UnitOfWork) -> None:
    ada, bob = await accepted(uow, "ada", "bob")
    a1, a2, _, _ = await goals_added(uow, ada, "a1", "a2", "a3", "a4")
    await goals_added(uow, bob, "b1", "b2", "b3")
    async with uow() as tx:
        await tx.goals.delete(a2)
        await tx.commit()
    assert places(await stored_goals(uow, ada.id)) == [("a1", 1), ("a3", 2), ("a4", 3)]
    assert places(await stored_goals(uow, bob.id)) == [("b1", 1), ("b2", 2), ("b3", 3)]
    async with uow() as tx:
        await tx.goals.delete(a1)
        await tx.goals.delete(a1)  # already gone: nothing more moves
        assert await tx.goals.get(a1.id) is None
        await tx.commit()
    assert places(await stored_goals(uow, ada.id)) == [("a3", 1), ("a4", 2)]


async def test_a_reorder_stores_each_position_and_moves_no_other_mentorings_goal(
    uow: UnitOfWork,
) -> None:
    ada, bob = await accepted(uow, "ada", "bob")
    a1, a2, a3 = await goals_added(uow, ada, "a1", "a2", "a3")
    [b1] = await goals_added(uow, bob, "b1")
    moved = [
        dataclasses.replace(a3, position=1),
        dataclasses.replace(a1, position=2),
        dataclasses.replace(a2, position=3),
        # Claims to be one of ada's goals: the store leaves it where it is.
        dataclasses.replace(b1, mentoring_id=ada.id, position=4),
    ]
    async with uow() as tx:
        await tx.goals.reorder(moved)
        await tx.goals.reorder([])
        await tx.commit()
    assert places(await stored_goals(uow, ada.id)) == [("a3", 1), ("a1", 2), ("a2", 3)]
    assert await stored_goals(uow, bob.id) == [b1]
    reordered = await stored_goals(uow, ada.id)
    assert [g.updated_at for g in reordered] == [T0, T0, T0]


async def test_goal_changes_are_dropped_without_commit(uow: UnitOfWork) -> None:
    [mentoring] = await accepted(uow, "ada")
    g1, g2, g3 = await goals_added(uow, mentoring, "g1", "g2", "g3")
    async with uow() as tx:
        await tx.goals.add(NewGoal(mentoring.id, "g4", None, 4, T0))
        await tx.goals.delete(g1)
        await tx.goals.save(dataclasses.replace(g2, title="renamed"))
        await tx.goals.reorder([dataclasses.replace(g3, position=1)])
        assert places(await tx.goals.list_for(mentoring.id)) == [
            ("renamed", 1),
            ("g3", 1),
            ("g4", 3),
        ]
    assert await stored_goals(uow, mentoring.id) == [g1, g2, g3]


async def test_the_progress_read_tallies_each_mentorings_goals(uow: UnitOfWork) -> None:
    ada, bob, cleo = await accepted(uow, "ada", "bob", "cleo")
    a1, _, _ = await goals_added(uow, ada, "a1", "a2", "a3")
    b1, b2 = await goals_added(uow, bob, "b1", "b2")
    async with uow() as tx:
        for goal in (a1, b1, b2):
            await tx.goals.save(dataclasses.replace(goal, done=True, done_at=T0))
        await tx.commit()
    async with uow(write=False) as tx:
        rows = await tx.mentorings.list_accepted_with_people(ada.mentor_id)
    tallies = {row.mentoring.id: row.goals for row in rows}
    assert tallies == {ada.id: GoalTally(3, 1), bob.id: GoalTally(2, 2), cleo.id: GoalTally(0, 0)}
    assert [type(n) for n in (tallies[ada.id].count, tallies[ada.id].done)] == [int, int]
