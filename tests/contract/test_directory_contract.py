"""Profiles, places and the mentor directory: every store answers as the domain's rules say.

The same people with the same profiles give the same mentors in the same order on memory,
SQLite and PostgreSQL, because each store is held to `domain.directory`'s reference rules.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorat.application.ports import UnitOfWork
from mentorat.domain.directory import Cursor, DirectoryQuery, matches, relevance, sort_key
from mentorat.domain.profiles import MentorStanding, Profile, SearchText
from mentorat.domain.users import User, UserId
from tests.contract.support import a_new_user

BIOS = (
    "Développeuse Python depuis dix ans, j'aime le test et les API REST.",
    "Data engineer: SQL, Spark and a little Rust.",
    "Designer produit, accessibilité et recherche utilisateur.",
    "Backend developer (Go, PostgreSQL); I mentor career changers.",
    "",
)
SKILLS = (
    ("python", "testing", "rest"),
    ("sql", "spark", "rust"),
    ("design", "accessibility"),
    ("go", "postgresql", "python"),
    (),
)


async def a_directory(uow: UnitOfWork, size: int = 10) -> list[User]:
    """`size` mentors with varied profiles (and one mentee, who is never listed)."""
    mentors = []
    async with uow() as tx:
        await tx.users.add(a_new_user("learner"))
        for i in range(size):
            mentor = await tx.users.add(a_new_user(f"mentor{i}", mentor=True))
            profile = Profile(
                mentor.id,
                bio=BIOS[i % len(BIOS)],
                skills=SKILLS[i % len(SKILLS)],
                languages=("fr", "en") if i % 2 else ("en",),
                timezone="Europe/Paris" if i % 3 else "America/New_York",
                capacity=i % 4,
                accepting_requests=i != 7,
            )
            await tx.profiles.save(profile, mentor)
            mentors.append(mentor)
        await tx.commit()
    return mentors


async def test_a_new_user_has_the_empty_profile_and_no_standing(uow: UnitOfWork) -> None:
    async with uow() as tx:
        ada = await tx.users.add(a_new_user("ada"))
        assert await tx.profiles.get(ada.id) == (Profile(ada.id), MentorStanding())
        await tx.commit()


async def test_a_saved_profile_reads_back_field_for_field(uow: UnitOfWork) -> None:
    async with uow() as tx:
        ada = await tx.users.add(a_new_user("ada", mentor=True))
        profile = Profile(
            ada.id,
            bio="Ingénieure 🙂",
            skills=("c++", "machine learning"),
            wanted_skills=("rust",),
            languages=("fr",),
            timezone="Europe/Paris",
            capacity=5,
            accepting_requests=False,
        )
        await tx.profiles.save(profile, ada)
        await tx.commit()
    async with uow(write=False) as tx:
        assert await tx.profiles.get(ada.id) == (profile, MentorStanding())


async def test_places_are_taken_up_to_the_capacity_and_given_back(uow: UnitOfWork) -> None:
    async with uow() as tx:
        mentor = await tx.users.add(a_new_user("mentor", mentor=True))
        await tx.profiles.save(Profile(mentor.id, capacity=2), mentor)
        taken = [await tx.profiles.take_place(mentor.id) for _ in range(3)]
        await tx.commit()
    assert taken == [True, True, False]
    async with uow() as tx:
        await tx.profiles.free_place(mentor.id)
        await tx.profiles.record_answer_time(mentor.id, timedelta(hours=5, seconds=0.5))
        await tx.commit()
    async with uow(write=False) as tx:
        found = await tx.profiles.get(mentor.id)
    assert found is not None
    assert found[1] == MentorStanding(1, timedelta(hours=5))


async def test_a_rolled_back_place_is_not_taken(uow: UnitOfWork) -> None:
    async with uow() as tx:
        mentor = await tx.users.add(a_new_user("mentor", mentor=True))
        await tx.commit()
    async with uow() as tx:
        assert await tx.profiles.take_place(mentor.id)
    async with uow(write=False) as tx:
        found = await tx.profiles.get(mentor.id)
    assert found is not None
    assert found[1].active_mentees == 0


async def test_a_search_finds_words_without_accents_or_case_and_by_their_start(
    uow: UnitOfWork,
) -> None:
    await a_directory(uow, 5)
    async with uow(write=False) as tx:
        page = await tx.directory.search(DirectoryQuery.build(q="developpeuse PYTH"))
    assert [c.username for c in page.cards] == ["mentor0"]
    assert page.cards[0].profile.bio.startswith("Développeuse")


async def test_only_active_mentors_are_listed_and_cards_carry_no_contact(uow: UnitOfWork) -> None:
    mentors = await a_directory(uow, 3)
    async with uow() as tx:
        gone = await tx.users.get(mentors[1].id)
        assert gone is not None
        gone.deactivate()
        await tx.users.save(gone)
        await tx.commit()
    async with uow(write=False) as tx:
        page = await tx.directory.search(DirectoryQuery())
    assert [c.username for c in page.cards] == ["mentor0", "mentor2"]
    assert not {"email", "phone_number"} & {f.name for f in dataclasses.fields(page.cards[0])}


async def test_filters_combine_skills_languages_and_availability(uow: UnitOfWork) -> None:
    await a_directory(uow, 10)
    async with uow(write=False) as tx:
        python_fr = await tx.directory.search(DirectoryQuery(skills=("python",), languages=("fr",)))
        available = await tx.directory.search(DirectoryQuery(available=True))
        full = await tx.directory.search(DirectoryQuery(available=False))
    assert [c.username for c in python_fr.cards] == ["mentor3", "mentor5"]
    assert all(c.available for c in available.cards)
    assert not any(c.available for c in full.cards)
    assert len(available.cards) + len(full.cards) == 10


async def test_the_most_relevant_mentors_come_first_then_by_id(uow: UnitOfWork) -> None:
    await a_directory(uow, 10)
    async with uow(write=False) as tx:
        page = await tx.directory.search(DirectoryQuery.build(q="python"))
    # A skill weighs 3 (mentor0, mentor3, mentor5, mentor8 have it), the bio 1 more for the
    # ones whose bio names it too.
    assert [(c.username, c.rank) for c in page.cards] == [
        ("mentor0", 4),
        ("mentor5", 4),
        ("mentor3", 3),
        ("mentor8", 3),
    ]


async def test_pages_follow_each_other_without_gap_or_repeat(uow: UnitOfWork) -> None:
    await a_directory(uow, 12)
    seen: list[str] = []
    after: Cursor | None = None
    while True:
        async with uow(write=False) as tx:
            page = await tx.directory.search(DirectoryQuery(limit=5, after=after))
        seen += [c.username for c in page.cards]
        if page.next is None:
            break
        after = page.next
    assert seen == [f"mentor{i}" for i in range(12)]


WORDS = st.sampled_from(
    ["py", "python", "dev", "developpeuse", "sql", "data", "go", "mentor", "rust", "a", "zz"]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(terms=st.lists(WORDS, min_size=1, max_size=3, unique=True), limit=st.integers(1, 4))
async def test_every_store_ranks_a_search_as_the_reference_rules_do(
    uow: UnitOfWork, terms: list[str], limit: int
) -> None:
    async with uow(write=False) as tx:
        existing = await tx.directory.search(DirectoryQuery(limit=1))
    if not existing.cards:
        await a_directory(uow, 10)
    async with uow(write=False) as tx:
        everyone = await tx.directory.search(DirectoryQuery(limit=100))
    expected = []
    for card in everyone.cards:
        words = SearchText.of(card, card.profile)
        if matches(words, terms):
            expected.append(dataclasses.replace(card, rank=relevance(words, terms)))
    expected.sort(key=sort_key)
    found = []
    after: Cursor | None = None
    while True:
        async with uow(write=False) as tx:
            page = await tx.directory.search(DirectoryQuery(tuple(terms), limit=limit, after=after))
        found += page.cards
        if page.next is None:
            break
        after = page.next
    assert [(c.user_id, c.rank) for c in found] == [(c.user_id, c.rank) for c in expected]


async def test_candidates_are_available_mentors_with_the_most_wanted_skills_first(
    uow: UnitOfWork,
) -> None:
    mentors = await a_directory(uow, 10)
    async with uow(write=False) as tx:
        found = await tx.directory.candidates(mentors[0].id, ("python", "rest"), 4)
    # mentor0 (the caller) is left out; mentor5 has both, mentor3 one; then available by id.
    assert [c.username for c in found] == ["mentor5", "mentor3", "mentor1", "mentor2"]
    assert all(c.available for c in found)


async def test_a_mentor_whose_places_fill_leaves_the_available_list_and_comes_back(
    uow: UnitOfWork,
) -> None:
    async with uow() as tx:
        mentor = await tx.users.add(a_new_user("mentor", mentor=True))
        await tx.profiles.save(Profile(mentor.id, skills=("go",), capacity=1), mentor)
        await tx.commit()

    async def available() -> list[str]:
        async with uow(write=False) as tx:
            page = await tx.directory.search(DirectoryQuery(available=True))
            sharing = await tx.directory.candidates(UserId(0), ("go",), 10)
            others = await tx.directory.candidates(UserId(0), ("rust",), 10)
        listed = [c.username for c in page.cards]
        assert [c.username for c in sharing] == [c.username for c in others] == listed
        return listed

    assert await available() == ["mentor"]
    async with uow() as tx:
        assert await tx.profiles.take_place(mentor.id)
        await tx.commit()
    assert await available() == []
    async with uow() as tx:
        await tx.profiles.free_place(mentor.id)
        await tx.commit()
    assert await available() == ["mentor"]
    async with uow() as tx:
        await tx.profiles.save(
            Profile(mentor.id, skills=("go",), capacity=1, accepting_requests=False), mentor
        )
        await tx.commit()
    assert await available() == []
    async with uow() as tx:
        await tx.profiles.save(Profile(mentor.id, skills=("go",), capacity=1), mentor)
        mentor.deactivate()
        await tx.users.save(mentor)
        await tx.commit()
    assert await available() == []
