"""Progress: how far through its period a mentoring is, and how lively its chat."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from mentorat.domain.mentoring import Mentoring
from mentorat.domain.progress import Progress

from .builders import LATER, MENTEE, T0, active, pending

JAN_1 = date(2025, 1, 1)
JAN_10 = date(2025, 1, 10)


@pytest.mark.parametrize(
    ("today", "elapsed", "percent"),
    [
        (date(2024, 6, 1), 0, 0.0),
        (date(2024, 12, 31), 0, 0.0),
        (JAN_1, 1, 10.0),
        (date(2025, 1, 5), 5, 50.0),
        (JAN_10, 10, 100.0),
        (date(2025, 1, 11), 10, 100.0),
        (date(2030, 1, 1), 10, 100.0),
    ],
)
def test_elapsed_days_count_both_ends_and_stay_within_the_period(
    today: date, elapsed: int, percent: float
) -> None:
    progress = Progress.of(pending(start=JAN_1, end=JAN_10), today)
    assert progress.total_days == 10
    assert progress.elapsed_days == elapsed
    assert progress.percent_elapsed == percent


def test_a_one_day_mentoring_is_one_day_long_and_done_on_that_day() -> None:
    progress = Progress.of(pending(start=JAN_1, end=JAN_1), JAN_1)
    assert (progress.total_days, progress.elapsed_days, progress.percent_elapsed) == (1, 1, 100.0)


def test_the_percentage_is_rounded_to_one_decimal() -> None:
    progress = Progress.of(pending(start=JAN_1, end=JAN_1 + timedelta(days=2)), JAN_1)
    assert progress.percent_elapsed == 33.3


def test_a_year_that_contains_a_leap_day_counts_it() -> None:
    progress = Progress.of(pending(start=date(2024, 1, 1), end=date(2024, 12, 31)), JAN_1)
    assert progress.total_days == 366


def test_without_messages_the_last_activity_is_the_last_change_of_status() -> None:
    mentoring = active()
    progress = Progress.of(mentoring, JAN_1)
    assert progress.message_count == 0
    assert progress.last_activity_at == mentoring.updated_at == T0


def with_messages(mentoring: Mentoring, count: int, last_at: datetime) -> Mentoring:
    """The mentoring as the store leaves it after `count` posts, the last dated `last_at`."""
    mentoring.message_count, mentoring.last_message_at = count, last_at
    return mentoring


def test_messages_are_counted_and_the_newest_one_is_the_last_activity() -> None:
    mentoring = with_messages(active(), 2, LATER + timedelta(minutes=1))
    progress = Progress.of(mentoring, JAN_1)
    assert progress.message_count == 2
    assert progress.last_activity_at == LATER + timedelta(minutes=1)


def test_a_status_change_after_the_last_message_is_the_last_activity() -> None:
    mentoring = with_messages(active(), 1, LATER)
    mentoring.complete(by=MENTEE, at=LATER + timedelta(hours=2))
    assert Progress.of(mentoring, JAN_1).last_activity_at == LATER + timedelta(hours=2)
