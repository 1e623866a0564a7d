"""Suggestions: how well a mentor suits a mentee, as a score out of 100 with its reasons.

    wanted skills the mentor has   up to 50 (in proportion: 3 of 4 gives 37)
    a language in common           15
    time zones within 3 hours      15 (within 6 hours: 7)
    places left                    up to 10 (1 place: 4, 2 places: 7, 3 or more: 10)
    answers requests               10 within about a day, 5 within about three days

The score only grows with what the mentee and mentor share, so a mentee who adds a wanted skill
the mentor has never lowers that mentor's score. Who is never suggested: see `suggestible`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mentorat.domain.directory import MentorCard
from mentorat.domain.profiles import Profile, utc_offset
from mentorat.domain.users import UserId

SKILLS_POINTS = 50
LANGUAGE_POINTS = 15
NEAR_TIMEZONE_POINTS, FAR_TIMEZONE_POINTS = 15, 7
NEAR_TIMEZONE, FAR_TIMEZONE = timedelta(hours=3), timedelta(hours=6)
PLACES_POINTS = (0, 4, 7, 10)
QUICK_ANSWER_POINTS, SLOW_ANSWER_POINTS = 10, 5
QUICK_ANSWER, SLOW_ANSWER = timedelta(hours=36), timedelta(days=3, hours=12)
SUGGESTIONS_MAX = 10


class ReasonCode(StrEnum):
    SKILLS = "skills"
    LANGUAGE = "language"
    TIMEZONE = "timezone"
    PLACES = "places"
    ANSWERS = "answers"


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    points: int
    text: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    card: MentorCard
    score: int
    reasons: tuple[Reason, ...]


def suggestible(card: MentorCard, mentee_id: UserId, open_with: Collection[UserId]) -> bool:
    """Never the mentee themself, a mentor who is full or takes no requests, or a mentor the
    mentee already has a pending or active mentoring with."""
    return card.user_id != mentee_id and card.available and card.user_id not in open_with


def score(mentee: Profile, card: MentorCard, at: datetime) -> Suggestion:
    """How well `card`'s mentor suits `mentee` at `at` (time zone offsets change with summer
    time)."""
    reasons = [
        r
        for r in (
            _skills(mentee, card.profile),
            _language(mentee, card.profile),
            _timezone(mentee, card.profile, at),
            _places(card.places_left),
            _answers(card.answer_time),
        )
        if r is not None
    ]
    return Suggestion(card, sum(r.points for r in reasons), tuple(reasons))


def suggest(
    mentee: Profile,
    cards: Iterable[MentorCard],
    open_with: Collection[UserId],
    at: datetime,
    limit: int = SUGGESTIONS_MAX,
) -> list[Suggestion]:
    """The best `limit` mentors among `cards` for `mentee`, best first; equal scores by id."""
    scored = [
        score(mentee, card, at) for card in cards if suggestible(card, mentee.user_id, open_with)
    ]
    scored.sort(key=lambda s: (-s.score, s.card.user_id))
    return scored[:limit]


def _skills(mentee: Profile, mentor: Profile) -> Reason | None:
    wanted = mentee.wanted_skills
    shared = [skill for skill in wanted if skill in mentor.skills]
    if not shared:
        return None
    points = SKILLS_POINTS * len(shared) // len(wanted)
    text = f"{len(shared)} of {len(wanted)} wanted skills: {', '.join(shared)}"
    return Reason(ReasonCode.SKILLS, points, text)


def _language(mentee: Profile, mentor: Profile) -> Reason | None:
    shared = [code for code in mentee.languages if code in mentor.languages]
    if not shared:
        return None
    return Reason(ReasonCode.LANGUAGE, LANGUAGE_POINTS, f"a shared language: {shared[0]}")


def _timezone(mentee: Profile, mentor: Profile, at: datetime) -> Reason | None:
    if mentee.timezone is None or mentor.timezone is None:
        return None
    theirs, ours = utc_offset(mentor.timezone, at), utc_offset(mentee.timezone, at)
    if theirs is None or ours is None:
        return None
    gap = abs(theirs - ours)
    if gap <= NEAR_TIMEZONE:
        return Reason(ReasonCode.TIMEZONE, NEAR_TIMEZONE_POINTS, "a time zone within 3 hours")
    if gap <= FAR_TIMEZONE:
        return Reason(ReasonCode.TIMEZONE, FAR_TIMEZONE_POINTS, "a time zone within 6 hours")
    return None


def _places(places_left: int) -> Reason | None:
    points = PLACES_POINTS[min(places_left, len(PLACES_POINTS) - 1)]
    if not points:
        return None
    text = "1 place left" if places_left == 1 else f"{places_left} places left"
    return Reason(ReasonCode.PLACES, points, text)


def _answers(answer_time: timedelta | None) -> Reason | None:
    if answer_time is None:
        return None
    if answer_time <= QUICK_ANSWER:
        return Reason(ReasonCode.ANSWERS, QUICK_ANSWER_POINTS, "answers requests in about a day")
    if answer_time <= SLOW_ANSWER:
        return Reason(ReasonCode.ANSWERS, SLOW_ANSWER_POINTS, "answers requests within days")
    return None


def median_answer_time(answer_times: Iterable[timedelta]) -> timedelta | None:
    """The median of a mentor's answer times (the lower middle one of an even count)."""
    ordered = sorted(answer_times)
    if not ordered:
        return None
    return ordered[(len(ordered) - 1) // 2]
