"""Profile details: every rule on a value, and how text becomes search words."""

from __future__ import annotations

import pytest

from mentorat.domain.errors import InvalidInput
from mentorat.domain.profiles import (
    search_terms,
    validate_capacity,
    validate_languages,
    validate_skills,
    validate_timezone,
)


def test_skills_are_lower_case_tags_each_once_in_the_order_given() -> None:
    assert validate_skills("skills", ["Python", " Machine  Learning", "python", ".NET", "C#"]) == (
        "python",
        "machine learning",
        ".net",
        "c#",
    )


@pytest.mark.parametrize("bad", ["", "  ", "a,b", "a_b", "50%", "-x", "x" * 51, "nul\x00"])
def test_a_bad_skill_is_refused_by_the_field_it_came_in(bad: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_skills("wanted_skills", [bad])
    assert raised.value.field == "wanted_skills"


def test_at_most_thirty_skills() -> None:
    assert len(validate_skills("skills", [f"s{i}" for i in range(30)])) == 30
    with pytest.raises(InvalidInput):
        validate_skills("skills", [f"s{i}" for i in range(31)])


def test_languages_are_iso_639_1_codes() -> None:
    assert validate_languages(["FR", " en", "fr"]) == ("fr", "en")
    with pytest.raises(InvalidInput):
        validate_languages(["fra"])


def test_timezones_are_iana_names_and_blank_is_none() -> None:
    assert validate_timezone(" Europe/Paris ") == "Europe/Paris"
    assert validate_timezone("") is None
    with pytest.raises(InvalidInput):
        validate_timezone("Paris")


def test_capacity_is_between_0_and_50() -> None:
    assert validate_capacity(0) == 0
    with pytest.raises(InvalidInput):
        validate_capacity(51)


def test_search_words_drop_accents_and_case_and_split_at_marks() -> None:
    assert search_terms("Développeuse C++ / Ｐｙｔｈｏｎ, ÆSIR_3") == [
        "developpeuse",
        "c",
        "python",
        "æsir",
        "3",
    ]
