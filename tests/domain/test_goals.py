"""Goals: who may see and change them, when, the rules on their values, and their tally."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentorat.domain.errors import (
    GoalNotFound,
    GoalsClosed,
    InvalidGoalOrder,
    InvalidGoalTitle,
    MentoringNotFound,
    TooManyGoals,
    UnstorableText,
)
from mentorat.domain.events import MentoringId
from mentorat.domain.goals import (
    GOALS_MAX,
    KEEP,
    NO_GOALS,
    TITLE_MAX,
    Goal,
    GoalEdit,
    GoalId,
    GoalTally,
    NewGoal,
    clean_title,
    edit_goal,
    goal_in,
    plan_goal,
    reorder_goals,
)
from mentorat.domain.progress import Progress

from .builders import BUILDERS, LATER, MENTEE, MENTOR, STRANGER, T0, active

DUE = date(2025, 3, 1)
NOT_ACTIVE = [name for name in BUILDERS if name != "active"]


def a_goal(goal_id: int = 1, *, position: int = 1, mentoring_id: int = 7) -> Goal:
    new = NewGoal(MentoringId(mentoring_id), f"goal {goal_id}", None, position, T0)
    return Goal.from_new(GoalId(goal_id), new)


# --- titles ------------------------------------------------------------------------------------


def test_a_title_is_stripped_of_surrounding_whitespace() -> None:
    assert clean_title("  Read the book \n") == "Read the book"


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_a_blank_title_is_refused_naming_the_title(title: str) -> None:
    with pytest.raises(InvalidGoalTitle) as raised:
        clean_title(title)
    assert (raised.value.field, raised.value.message) == ("title", "This field may not be blank.")


def test_a_title_may_be_200_characters_but_not_201() -> None:
    assert clean_title("é" * TITLE_MAX) == "é" * TITLE_MAX
    assert clean_title(" " + "x" * TITLE_MAX + " ") == "x" * TITLE_MAX
    with pytest.raises(InvalidGoalTitle) as raised:
        clean_title("x" * (TITLE_MAX + 1))
    assert raised.value.message == "Ensure this field has no more than 200 characters."


@pytest.mark.parametrize("title", ["nul\x00", "lone \ud800 surrogate"])
def test_a_title_no_store_can_keep_is_refused_naming_the_title(title: str) -> None:
    with pytest.raises(UnstorableText) as raised:
        clean_title(title)
    assert raised.value.field == "title"


# --- adding ------------------------------------------------------------------------------------


@pytest.mark.parametrize("by", [MENTEE, MENTOR])
def test_either_participant_adds_a_goal_that_comes_last(by: int) -> None:
    new = plan_goal(active(), by=by, title=" Ship it ", due_date=DUE, goal_count=3, at=LATER)
    assert new == NewGoal(MentoringId(7), "Ship it", DUE, 4, LATER)
    goal = Goal.from_new(GoalId(9), new)
    assert (goal.done, goal.done_at, goal.created_at, goal.updated_at) == (
        False,
        None,
        LATER,
        LATER,
    )


def test_a_stranger_is_told_the_mentoring_does_not_exist() -> None:
    with pytest.raises(MentoringNotFound):
        plan_goal(active(), by=STRANGER, title="x", due_date=None, goal_count=0, at=LATER)


@pytest.mark.parametrize("state", NOT_ACTIVE)
def test_goals_are_added_only_while_the_mentoring_is_active(state: str) -> None:
    mentoring = BUILDERS[state]()
    with pytest.raises(GoalsClosed) as raised:
        plan_goal(mentoring, by=MENTEE, title="x", due_date=None, goal_count=0, at=LATER)
    assert raised.value.status == mentoring.status.value


def test_a_bad_title_is_reported_before_a_closed_mentoring() -> None:
    with pytest.raises(InvalidGoalTitle):
        plan_goal(BUILDERS["completed"](), by=MENTEE, title=" ", due_date=None, goal_count=0, at=T0)


def test_a_mentoring_holds_at_most_100_goals() -> None:
    plan_goal(active(), by=MENTEE, title="x", due_date=None, goal_count=GOALS_MAX - 1, at=T0)
    with pytest.raises(TooManyGoals) as raised:
        plan_goal(active(), by=MENTEE, title="x", due_date=None, goal_count=GOALS_MAX, at=T0)
    assert raised.value.message == "A mentoring has at most 100 goals; delete one to add another."


# --- finding and editing -----------------------------------------------------------------------


def test_a_goal_is_found_only_in_its_own_mentoring_by_a_participant() -> None:
    goal = a_goal()
    assert goal_in(active(), goal, by=MENTOR) is goal
    with pytest.raises(MentoringNotFound):
        goal_in(active(), goal, by=STRANGER)
    with pytest.raises(GoalNotFound):
        goal_in(active(), None, by=MENTEE)
    with pytest.raises(GoalNotFound):
        goal_in(active(), a_goal(mentoring_id=8), by=MENTEE)


def test_an_edit_changes_only_what_it_names_and_dates_the_change() -> None:
    goal = a_goal()
    assert edit_goal(active(), goal, GoalEdit(title="  New title "), at=LATER)
    assert (goal.title, goal.due_date, goal.done) == ("New title", None, False)
    assert (goal.created_at, goal.updated_at) == (T0, LATER)
    assert edit_goal(active(), goal, GoalEdit(due_date=DUE), at=LATER)
    assert (goal.title, goal.due_date) == ("New title", DUE)
    assert edit_goal(active(), goal, GoalEdit(due_date=None), at=LATER)
    assert goal.due_date is None


def test_ticking_a_goal_off_dates_it_and_unticking_forgets_the_date() -> None:
    goal = a_goal()
    assert edit_goal(active(), goal, GoalEdit(done=True), at=LATER)
    assert (goal.done, goal.done_at, goal.updated_at) == (True, LATER, LATER)
    later_still = LATER + timedelta(hours=1)
    assert not edit_goal(active(), goal, GoalEdit(done=True), at=later_still)
    assert (goal.done_at, goal.updated_at) == (LATER, LATER)
    assert edit_goal(active(), goal, GoalEdit(done=False), at=later_still)
    assert (goal.done, goal.done_at, goal.updated_at) == (False, None, later_still)


def test_an_edit_that_changes_nothing_leaves_the_goal_as_it_was() -> None:
    goal = a_goal()
    before = dataclasses.replace(goal)
    assert not edit_goal(active(), goal, GoalEdit(), at=LATER)
    assert not edit_goal(active(), goal, GoalEdit(title=" goal 1 ", due_date=None), at=LATER)
    assert goal == before


def test_a_goal_time_never_runs_backwards() -> None:
    goal = a_goal()
    assert edit_goal(active(), goal, GoalEdit(done=True), at=T0 - timedelta(seconds=1))
    assert goal.updated_at == T0


@pytest.mark.parametrize("state", NOT_ACTIVE)
def test_goals_are_edited_only_while_the_mentoring_is_active(state: str) -> None:
    goal = a_goal()
    with pytest.raises(GoalsClosed):
        edit_goal(BUILDERS[state](), goal, GoalEdit(done=True), at=LATER)
    assert not goal.done


def test_an_edit_with_a_bad_title_changes_nothing() -> None:
    goal = a_goal()
    with pytest.raises(InvalidGoalTitle):
        edit_goal(active(), goal, GoalEdit(title="", done=True), at=LATER)
    assert (goal.title, goal.done) == ("goal 1", False)
    assert GoalEdit().title is KEEP


# --- reordering --------------------------------------------------------------------------------


def test_a_reorder_numbers_the_goals_again_in_the_order_given() -> None:
    goals = [a_goal(i, position=i) for i in (1, 2, 3)]
    ordered = reorder_goals(active(), goals, [GoalId(3), GoalId(1), GoalId(2)])
    assert [(g.id, g.position) for g in ordered] == [(3, 1), (1, 2), (2, 3)]


def test_an_empty_list_reorders_a_mentoring_without_goals() -> None:
    assert reorder_goals(active(), [], []) == []


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([1, 2], "ids must list every goal of the mentoring."),
        ([1, 2, 3, 3], "ids must not repeat a goal."),
        ([1, 2, 2], "ids must not repeat a goal."),
        ([1, 2, 4], "4 is not the id of a goal of this mentoring."),
        ([1, 2, 3, 4], "4 is not the id of a goal of this mentoring."),
    ],
)
def test_a_reorder_must_name_each_goal_exactly_once(ids: list[int], message: str) -> None:
    goals = [a_goal(i, position=i) for i in (1, 2, 3)]
    with pytest.raises(InvalidGoalOrder) as raised:
        reorder_goals(active(), goals, [GoalId(i) for i in ids])
    assert (raised.value.field, raised.value.message) == ("ids", message)
    assert [g.position for g in goals] == [1, 2, 3]


@pytest.mark.parametrize("state", NOT_ACTIVE)
def test_goals_are_reordered_only_while_the_mentoring_is_active(state: str) -> None:
    goals = [a_goal(i, position=i) for i in (1, 2)]
    with pytest.raises(GoalsClosed):
        reorder_goals(BUILDERS[state](), goals, [GoalId(2), GoalId(1)])
    assert [g.position for g in goals] == [1, 2]


# --- the tally on progress ---------------------------------------------------------------------


def test_without_goals_there_is_no_percentage_done() -> None:
    assert NO_GOALS.percent_done is None
    progress = Progress.of(active(), T0.date())
    assert (progress.goal_count, progress.goals_done, progress.percent_done) == (0, 0, None)


def test_progress_counts_the_goals_and_rounds_the_share_done_to_one_decimal() -> None:
    goals = [a_goal(i) for i in (1, 2, 3)]
    goals[0].done = True
    progress = Progress.of(active(), T0.date(), GoalTally.of(goals))
    assert (progress.goal_count, progress.goals_done, progress.percent_done) == (3, 1, 33.3)
    assert GoalTally(3, 3).percent_done == 100.0
    assert GoalTally(4, 0).percent_done == 0.0


tallies = st.integers(min_value=0, max_value=GOALS_MAX).flatmap(
    lambda count: st.builds(GoalTally, st.just(count), st.integers(0, count))
)


@given(tallies)
def test_the_share_done_is_a_percentage_and_none_exactly_without_goals(tally: GoalTally) -> None:
    percent = tally.percent_done
    assert (percent is None) == (tally.count == 0)
    if percent is not None:
        assert 0.0 <= percent <= 100.0


@given(tallies.filter(lambda t: t.done < t.count))
def test_ticking_a_goal_off_raises_the_share_done(tally: GoalTally) -> None:
    before = tally.percent_done
    after = GoalTally(tally.count, tally.done + 1).percent_done
    assert before is not None
    assert after is not None
    assert after > before
