"""Idempotent writes and refresh-token rotation against real databases, under real races."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, func, insert, select

from mentorat.adapters.sql.tables import idempotency_keys, used_refresh_tokens
from mentorat.application.errors import IdempotencyKeyInFlight
from mentorat.application.idempotency import DEFAULT_LEASE, PRUNE_BATCH, RETENTION
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.views import MentoringView, MessageView
from mentorat.bootstrap import System, open_system
from mentorat.domain.chat import PageRequest
from mentorat.domain.errors import InvalidToken
from tests.conftest import settings_for
from tests.sql.support import PASSWORD, PERIOD, a_pair, outcomes, sql_uow


@pytest.fixture
async def racing(db_url: str) -> AsyncIterator[System]:
    """A system with rotation on and a pool large enough for every racer to hold a connection."""
    opened = open_system(
        settings_for(db_url, db_pool_size=20, db_max_overflow=10), rotate_refresh_tokens=True
    )
    try:
        yield opened
    finally:
        await opened.aclose()


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def test_twenty_posts_with_one_key_store_one_message_and_answer_it_or_409(
    racing: System,
) -> None:
    app = racing.mentorat
    mentor, mentee = await a_pair(racing)
    chat = await app.request_mentoring(RequestMentoringCommand(mentee.id, mentor.id, *PERIOD))
    await app.respond_to_request(RespondCommand(chat.id, mentor.id, accept=True))
    # SQLite serializes every writer through its busy handler: fewer rounds, same race.
    rounds = 2 if sql_uow(racing).database.kind == "sqlite" else 5
    for round_ in range(rounds):
        command = PostMessageCommand(
            chat.id,
            mentee.id,
            f"retried {round_}",
            idempotency_key=f"key-{round_}",
            fingerprint=digest(f"retried {round_}"),
        )
        results = await asyncio.gather(
            *(app.post_message(command) for _ in range(20)), return_exceptions=True
        )
        page = await app.list_messages(
            ListMessagesQuery(chat.id, mentor.id, PageRequest(after=0, limit=200))
        )
        [stored] = [m for m in page.messages if m.message == f"retried {round_}"]
        assert all(r == stored or isinstance(r, IdempotencyKeyInFlight) for r in results), outcomes(
            results
        )
        assert any(isinstance(r, MessageView) for r in results)
        # Once the first has committed, a retry answers with it.
        assert await app.post_message(command) == stored
    page = await app.list_messages(ListMessagesQuery(chat.id, mentor.id))
    assert len(page.messages) == rounds


async def test_twenty_requests_with_one_key_create_one_mentoring(racing: System) -> None:
    app = racing.mentorat
    mentor, mentee = await a_pair(racing)
    command = RequestMentoringCommand(
        mentee.id, mentor.id, *PERIOD, idempotency_key="ask-once", fingerprint=digest("ask")
    )
    results = await asyncio.gather(
        *(app.request_mentoring(command) for _ in range(20)), return_exceptions=True
    )
    async with app.uow(write=False) as tx:
        [stored] = await tx.mentorings.list_for(mentee.id)
    assert all(
        r == MentoringView.of(stored) or isinstance(r, IdempotencyKeyInFlight) for r in results
    ), outcomes(results)
    await app.respond_to_request(RespondCommand(stored.id, mentor.id, accept=True))
    replay = await app.request_mentoring(command)
    assert (replay.id, replay.status, replay.updated_at) == (
        stored.id,
        stored.status,
        stored.created_at,
    )


async def test_of_ten_refreshes_with_one_token_exactly_one_succeeds(racing: System) -> None:
    app = racing.mentorat
    await a_pair(racing)
    for _ in range(3):
        token = (await app.obtain_tokens(LoginCommand("mentee", PASSWORD))).refresh
        results = await asyncio.gather(
            *(app.refresh_tokens(token) for _ in range(10)), return_exceptions=True
        )
        assert outcomes(results) == {"ok": 1, "InvalidToken": 9}
        [winner] = [r for r in results if not isinstance(r, BaseException)]
        assert winner.refresh is not None
        assert (await app.refresh_tokens(winner.refresh)).refresh is not None
        with pytest.raises(InvalidToken):
            await app.refresh_tokens(token)


async def count(system: System, table: Table) -> int:
    async with sql_uow(system).database.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def insert_rows(system: System, table: Table, rows: list[dict[str, object]]) -> None:
    async with sql_uow(system).database.engine.begin() as conn:
        await conn.execute(insert(table), rows)


async def test_each_claim_prunes_a_bounded_batch_of_expired_keys(racing: System) -> None:
    app = racing.mentorat
    _, mentee = await a_pair(racing)
    long_ago = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        {
            "caller_id": mentee.id,
            "key": f"old-{n}",
            "fingerprint": "f",
            "status": "done",
            "resource_id": n + 1,
            "created_at": long_ago,
        }
        for n in range(PRUNE_BATCH + 50)
    ]
    await insert_rows(racing, idempotency_keys, rows)
    now = long_ago + RETENTION + timedelta(days=1)
    async with app.uow() as tx:
        assert await tx.idempotency.claim(mentee.id, "new", "f", now, DEFAULT_LEASE) is None
        await tx.commit()
    assert await count(racing, idempotency_keys) == 50 + 1


async def test_each_use_prunes_a_bounded_batch_of_expired_tokens(racing: System) -> None:
    app = racing.mentorat
    long_ago = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [{"jti": f"old-{n}", "expires_at": long_ago} for n in range(PRUNE_BATCH + 50)]
    await insert_rows(racing, used_refresh_tokens, rows)
    now = long_ago + timedelta(days=1)
    async with app.uow() as tx:
        assert await tx.used_refresh_tokens.use("new", now + timedelta(days=1), now)
        await tx.commit()
    assert await count(racing, used_refresh_tokens) == 50 + 1
