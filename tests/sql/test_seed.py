"""The demo data and the bulk benchmark dataset."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from mentorat.adapters.sql.tables import mentorings, messages, users
from mentorat.application.find_mentors import SuggestQuery
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.bootstrap import (
    BULK_PASSWORD,
    BULK_USERNAME,
    SeedRefused,
    System,
    open_system,
    seed_bulk,
    seed_demo,
)
from mentorat.demo.bulk import BULK_BENCH_WANTS, BulkPlan
from mentorat.domain.chat import PageRequest
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Status
from mentorat.domain.users import UserId
from tests.conftest import settings_for
from tests.sql.support import sql_uow


async def test_the_demo_data_is_the_seed_documents_example(system: System) -> None:
    await seed_demo(system)
    app = system.mentorat
    tokens = await app.obtain_tokens(LoginCommand("owner", "Pass123!@"))
    owner = await app.identify_caller(tokens.access)
    assert (owner.email, owner.first_name, owner.last_name) == (
        "ll@rajapi.com",
        "Project",
        "Owner",
    )
    [progress] = await app.show_progress(owner.id)
    mentor = progress.mentor
    assert (mentor.username, mentor.is_mentor, mentor.is_verified) == ("Mentor_2", True, True)
    assert mentor.phone_number is None
    assert progress.mentoring.status is Status.ACTIVE
    period = (progress.mentoring.start_date, progress.mentoring.end_date)
    assert period == (date(2024, 1, 1), date(2024, 12, 31))
    chat = await app.list_messages(ListMessagesQuery(progress.mentoring.id, owner.id))
    assert len(chat.messages) >= 3
    assert {m.sender_id for m in chat.messages} == {owner.id, mentor.id}


async def test_loading_the_demo_twice_changes_nothing(system: System) -> None:
    await seed_demo(system)
    await seed_demo(system)
    async with system.mentorat.uow(write=False) as tx:
        owner = await tx.users.get_by_username("owner")
        assert owner is not None
        assert len(await tx.mentorings.list_for(owner.id)) == 1


async def test_a_bulk_dataset_is_complete_consistent_and_usable(db_url: str) -> None:
    settings = settings_for(db_url)
    result = await seed_bulk(settings, users=60, mentorings=150, messages=3000, hot_messages=600)
    assert {k: result[k] for k in ("users", "mentorings", "messages", "hot_messages")} == {
        "users": 60,
        "mentorings": 150,
        "messages": 3000,
        "hot_messages": 600,
    }
    assert result["bench_mentorings"] == 20
    system = open_system(settings)
    try:
        engine = sql_uow(system).database.engine
        async with engine.connect() as conn:
            counts = dict(
                (
                    await conn.execute(
                        select(messages.c.mentoring_id, func.count()).group_by(
                            messages.c.mentoring_id
                        )
                    )
                ).all()
            )
            columns = dict(
                (await conn.execute(select(mentorings.c.id, mentorings.c.message_count))).all()
            )
            user_count = (await conn.execute(select(func.count()).select_from(users))).scalar()
            ordered = (
                await conn.execute(select(messages.c.created_at).order_by(messages.c.id))
            ).scalars()
            times = list(ordered)
        assert user_count == 60
        assert counts[1] == 600
        assert {m: c for m, c in columns.items() if c} == counts
        assert times == sorted(times)

        app = system.mentorat
        tokens = await app.obtain_tokens(LoginCommand(BULK_USERNAME, BULK_PASSWORD))
        bench = await app.identify_caller(tokens.access)
        assert bench.id == result["bench_user_id"]
        accepted = await app.list_mentorings(bench.id)
        assert len(accepted) == 20
        hot_id = MentoringId(int(result["hot_mentoring_id"]))
        hot = await app.list_messages(ListMessagesQuery(hot_id, bench.id, PageRequest()))
        assert len(hot.messages) == 50
        assert hot.older_cursor is not None
        # Rows created afterwards get ids after the seeded ones.
        post_id = MentoringId(int(result["post_mentoring_id"]))
        posted = await app.post_message(PostMessageCommand(post_id, bench.id, "new"))
        assert posted.id == 3001
        newcomer = await app.register_user(RegisterCommand("newcomer", "password1", "n@x.io"))
        assert newcomer.id == 61
    finally:
        await system.aclose()


async def test_bulk_seeding_refuses_a_database_with_users_unless_replacing(db_url: str) -> None:
    settings = settings_for(db_url)
    await seed_bulk(settings, users=20, mentorings=5, messages=20, hot_messages=5)
    with pytest.raises(SeedRefused):
        await seed_bulk(settings, users=20, mentorings=5, messages=20, hot_messages=5)
    result = await seed_bulk(
        settings, users=24, mentorings=6, messages=30, hot_messages=10, replace=True
    )
    assert result["users"] == 24


def test_impossible_bulk_counts_are_refused_before_touching_the_database() -> None:
    for counts in ((10, 5, 20, 30), (3, 5, 20, 5), (10, 0, 20, 0), (10, 500, 0, 0)):
        with pytest.raises(ValueError, match=r"\w"):
            BulkPlan(*counts).check()


def test_impossible_numbers_of_mentors_are_refused() -> None:
    for mentors in (0, 61):
        with pytest.raises(ValueError, match="mentors"):
            BulkPlan(60, 10, 20, 5, mentors=mentors).check()
    with pytest.raises(ValueError, match="pairs"):  # bench alone: nobody else to mentor
        BulkPlan(60, 10, 20, 5, mentors=1).check()


@pytest.mark.parametrize(("n", "mentors"), [(60, 12), (61, 7), (110, 10), (9, 9), (8, 1)])
def test_a_plan_has_exactly_the_mentors_it_asks_for(n: int, mentors: int) -> None:
    plan = BulkPlan(n, 0, 0, 0, mentors=mentors)
    chosen = [i for i in range(1, n + 1) if plan.is_mentor(i)]
    assert len(chosen) == mentors
    assert chosen[0] == 1


def test_without_a_number_of_mentors_every_fifth_user_is_one() -> None:
    for n in (7, 60, 2001):
        default = BulkPlan(n, 0, 0, 0)
        assert [i for i in range(1, n + 1) if default.is_mentor(i)] == list(range(1, n + 1, 5))
    # A fifth of a multiple of five spreads the same way.
    fifth = BulkPlan(60, 0, 0, 0, mentors=12)
    assert all(fifth.is_mentor(i) == (i % 5 == 1) for i in range(1, 61))


async def test_a_bulk_dataset_with_a_number_of_mentors_suggests_some_to_bench(
    db_url: str,
) -> None:
    settings = settings_for(db_url)
    await seed_bulk(settings, users=90, mentorings=40, messages=100, hot_messages=10, mentors=30)
    system = open_system(settings)
    try:
        engine = sql_uow(system).database.engine
        async with engine.connect() as conn:
            count = select(func.count()).select_from(users).where(users.c.is_mentor)
            assert (await conn.execute(count)).scalar() == 30
        app = system.mentorat
        bench = await app.show_profile(UserId(1))
        assert bench.user.is_mentor
        assert len(bench.profile.wanted_skills) == BULK_BENCH_WANTS
        suggested = await app.suggest_mentors(SuggestQuery(UserId(1)))
        assert suggested
        assert any(r.code == "skills" for s in suggested for r in s.reasons)
    finally:
        await system.aclose()
