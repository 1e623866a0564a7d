"""Suggestions: the scoring's promises, as properties over any mentee and mentor."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mentorat.domain.directory import MentorCard
from mentorat.domain.matching import median_answer_time, score, suggest
from mentorat.domain.profiles import Profile
from mentorat.domain.users import UserId

AT = datetime(2026, 7, 1, 12, tzinfo=UTC)
SKILLS = st.sampled_from(["python", "sql", "go", "rust", "design", "c++", "data"])
ZONES = st.sampled_from([None, "Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC"])
LANGS = st.sampled_from(["fr", "en", "es", "de"])


@st.composite
def profiles(draw: st.DrawFn, user_id: int) -> Profile:
    return Profile(
        UserId(user_id),
        skills=tuple(draw(st.lists(SKILLS, unique=True, max_size=5))),
        wanted_skills=tuple(draw(st.lists(SKILLS, unique=True, max_size=5))),
        languages=tuple(draw(st.lists(LANGS, unique=True, max_size=2))),
        timezone=draw(ZONES),
        capacity=draw(st.integers(0, 5)),
        accepting_requests=draw(st.booleans()),
    )


@st.composite
def cards(draw: st.DrawFn, user_id: int | None = None) -> MentorCard:
    uid = user_id if user_id is not None else draw(st.integers(2, 10_000))
    hours = draw(st.none() | st.integers(0, 24 * 10))
    return MentorCard(
        user_id=UserId(uid),
        username=f"m{uid}",
        first_name="",
        last_name="",
        is_verified=False,
        profile=draw(profiles(uid)),
        active_mentees=draw(st.integers(0, 5)),
        answer_time=None if hours is None else timedelta(hours=hours),
    )


@given(mentee=profiles(1), card=cards(), extra=SKILLS)
def test_adding_a_wanted_skill_the_mentor_has_never_lowers_their_score(
    mentee: Profile, card: MentorCard, extra: str
) -> None:
    if extra in mentee.wanted_skills or extra not in card.profile.skills:
        card = dataclasses.replace(
            card, profile=dataclasses.replace(card.profile, skills=(*card.profile.skills, extra))
        )
    wider = dataclasses.replace(
        mentee, wanted_skills=tuple(dict.fromkeys((*mentee.wanted_skills, extra)))
    )
    assert score(wider, card, AT).score >= score(mentee, card, AT).score


@given(mentee=profiles(1), card=cards())
def test_a_score_is_between_0_and_100_and_is_the_sum_of_its_reasons(
    mentee: Profile, card: MentorCard
) -> None:
    found = score(mentee, card, AT)
    assert 0 <= found.score <= 100
    assert found.score == sum(r.points for r in found.reasons)
    assert all(r.points > 0 and r.text for r in found.reasons)


@given(mentee=profiles(1), found=st.lists(cards(), max_size=12), data=st.data())
def test_who_is_never_suggested_and_the_order_of_equal_scores(
    mentee: Profile, found: list[MentorCard], data: st.DataObject
) -> None:
    found.append(data.draw(cards(user_id=1)))  # the mentee themself, were they a mentor
    open_with = {c.user_id for c in found if c.user_id % 3 == 0}
    suggested = suggest(mentee, found, open_with, AT, limit=100)
    for s in suggested:
        assert s.card.user_id != mentee.user_id
        assert s.card.available
        assert s.card.user_id not in open_with
    keys = [(-s.score, s.card.user_id) for s in suggested]
    assert keys == sorted(keys)


def test_the_reasons_read_as_a_person_would_say_them() -> None:
    mentee = Profile(
        UserId(1),
        wanted_skills=("python", "sql", "go", "rust"),
        languages=("fr",),
        timezone="Europe/Berlin",
    )
    mentor = MentorCard(
        UserId(2),
        "m",
        "",
        "",
        True,
        Profile(
            UserId(2),
            skills=("python", "sql", "go"),
            languages=("en", "fr"),
            timezone="Europe/Paris",
            capacity=3,
        ),
        active_mentees=1,
        answer_time=timedelta(hours=20),
    )
    found = score(mentee, mentor, AT)
    assert [(r.code.value, r.points, r.text) for r in found.reasons] == [
        ("skills", 37, "3 of 4 wanted skills: python, sql, go"),
        ("language", 15, "a shared language: fr"),
        ("timezone", 15, "a time zone within 3 hours"),
        ("places", 7, "2 places left"),
        ("answers", 10, "answers requests in about a day"),
    ]
    assert found.score == 84


def test_the_median_answer_time_is_the_lower_middle_one() -> None:
    hours = [timedelta(hours=h) for h in (5, 1, 3, 9)]
    assert median_answer_time(hours) == timedelta(hours=3)
    assert median_answer_time([]) is None
