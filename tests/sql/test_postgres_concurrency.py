"""PostgreSQL under real parallel connections, and with its connections killed mid-run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import psycopg
import pytest

from mentorat.adapters.sql.engine import create_engine
from mentorat.adapters.sql.uow import SqlUnitOfWork
from mentorat.application.errors import StorageUnavailable
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.views import MentoringView, UserView
from mentorat.bootstrap import System, open_system
from mentorat.domain.chat import PageRequest
from mentorat.domain.errors import (
    ConcurrentUpdate,
    OpenMentoringExists,
    RequestNotPending,
)
from mentorat.domain.mentoring import Mentoring, NewMentoring, Status
from mentorat.domain.users import UserId
from mentorat.settings import Settings

from .conftest import settings_for

pytestmark = pytest.mark.postgres

PERIOD = (date(2025, 1, 1), date(2025, 12, 31))


@pytest.fixture
async def pg_system(pg_url: str) -> AsyncIterator[System]:
    opened = open_system(settings_for(pg_url, db_pool_size=20, db_max_overflow=10))
    try:
        yield opened
    finally:
        await opened.aclose()


async def a_pair(system: System) -> tuple[UserView, UserView]:
    app = system.mentorat
    mentor = await app.register_user(
        RegisterCommand("mentor", "password1", "m@example.com", is_mentor=True)
    )
    mentee = await app.register_user(RegisterCommand("mentee", "password1", "e@example.com"))
    return mentor, mentee


async def a_request(system: System, mentor: UserView, mentee: UserView) -> MentoringView:
    return await system.mentorat.request_mentoring(
        RequestMentoringCommand(mentee.id, mentor.id, *PERIOD)
    )


async def a_request_as_read(system: System) -> tuple[SqlUnitOfWork, UserView, Mentoring]:
    """A pending request between two new people, as a post reads it; and its mentee."""
    uow = system.mentorat.uow
    assert isinstance(uow, SqlUnitOfWork)
    mentor, mentee = await a_pair(system)
    request = await a_request(system, mentor, mentee)
    async with uow(write=False) as tx:
        mentoring = await tx.mentorings.get(request.id)
    assert mentoring is not None
    return uow, mentee, mentoring


def outcomes(results: list[object]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for result in results:
        name = type(result).__name__ if isinstance(result, BaseException) else "ok"
        counted[name] = counted.get(name, 0) + 1
    return counted


async def test_of_twenty_simultaneous_accepts_exactly_one_succeeds(pg_system: System) -> None:
    app = pg_system.mentorat
    mentor, mentee = await a_pair(pg_system)
    request = await a_request(pg_system, mentor, mentee)
    accept = RespondCommand(request.id, mentor.id, accept=True)
    results = await asyncio.gather(
        *(app.respond_to_request(accept) for _ in range(20)), return_exceptions=True
    )
    assert outcomes(results)["ok"] == 1
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(losers) == 19
    assert all(isinstance(r, RequestNotPending | ConcurrentUpdate) for r in losers), losers
    async with app.uow(write=False) as tx:
        stored = await tx.mentorings.get(request.id)
    assert stored is not None
    assert (stored.status, stored.version) == (Status.ACTIVE, 2)


async def test_an_accept_racing_a_refusal_leaves_the_winners_state(pg_system: System) -> None:
    app = pg_system.mentorat
    mentor, mentee = await a_pair(pg_system)
    request = await a_request(pg_system, mentor, mentee)
    answers = [i % 2 == 0 for i in range(20)]
    results = await asyncio.gather(
        *(app.respond_to_request(RespondCommand(request.id, mentor.id, a)) for a in answers),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, MentoringView)]
    assert len(winners) == 1
    async with app.uow(write=False) as tx:
        stored = await tx.mentorings.get(request.id)
    assert stored is not None
    assert stored.status is winners[0].status
    assert (stored.accepted_at is not None) is (stored.status is Status.ACTIVE)


async def test_of_twenty_simultaneous_requests_for_one_pair_one_is_created(
    pg_system: System,
) -> None:
    app = pg_system.mentorat
    mentor, mentee = await a_pair(pg_system)
    command = RequestMentoringCommand(mentee.id, mentor.id, *PERIOD)
    results = await asyncio.gather(
        *(app.request_mentoring(command) for _ in range(20)), return_exceptions=True
    )
    assert outcomes(results) == {"ok": 1, "OpenMentoringExists": 19}
    async with app.uow(write=False) as tx:
        assert len(await tx.mentorings.list_for(mentee.id)) == 1


async def test_a_twin_that_passed_the_check_is_stopped_by_the_index(pg_system: System) -> None:
    """Both transactions see no open request; the second insert waits, then finds the first."""
    uow = pg_system.mentorat.uow
    mentor, mentee = await a_pair(pg_system)
    new = NewMentoring(mentor.id, mentee.id, *PERIOD, datetime.now(UTC))
    async with uow() as first, uow() as second:
        assert not await first.mentorings.has_open_between(mentor.id, mentee.id)
        assert not await second.mentorings.has_open_between(mentor.id, mentee.id)
        await first.mentorings.add(new)
        blocked = asyncio.ensure_future(second.mentorings.add(new))
        await asyncio.sleep(0.2)
        assert not blocked.done()  # waiting on the first transaction's index entry
        await first.commit()
        with pytest.raises(OpenMentoringExists):
            await blocked
        # The loser's transaction is still usable after the domain error.
        assert await second.mentorings.has_open_between(mentor.id, mentee.id)


async def test_messages_posted_at_once_by_both_are_all_stored_in_commit_order(
    pg_system: System,
) -> None:
    app = pg_system.mentorat
    mentor, mentee = await a_pair(pg_system)
    request = await a_request(pg_system, mentor, mentee)
    await app.respond_to_request(RespondCommand(request.id, mentor.id, accept=True))
    posting = True
    seen: list[int] = []

    async def poll() -> None:
        # A client polling with ?after= must never skip a message: that holds only if ids
        # become visible in increasing order, i.e. ids grow in commit order.
        cursor = 0
        while True:
            done = not posting
            page = await app.list_messages(
                ListMessagesQuery(request.id, mentee.id, PageRequest(after=cursor, limit=200))
            )
            seen.extend(m.id for m in page.messages)
            cursor = page.messages[-1].id if page.messages else cursor
            if done and not page.messages:
                return

    poller = asyncio.ensure_future(poll())
    posts = [
        app.post_message(PostMessageCommand(request.id, who.id, f"message {i}"))
        for i, who in enumerate([mentor, mentee] * 100)
    ]
    results = await asyncio.gather(*posts)
    posting = False
    await poller
    ids = [m.id for m in results]
    assert len(set(ids)) == 200
    everything = await app.list_messages(
        ListMessagesQuery(request.id, mentor.id, PageRequest(after=0, limit=200))
    )
    stored = list(everything.messages)
    assert sorted(m.id for m in stored) == sorted(ids)
    assert sorted(m.message for m in stored) == sorted(r.message for r in results)
    # A chat's clock never runs backwards (domain.chat.chat_time, applied under the lock).
    times = [m.created_at for m in stored]
    assert times == sorted(times)
    assert seen == sorted(ids)
    async with app.uow(write=False) as tx:
        mentoring = await tx.mentorings.get(request.id)
    assert mentoring is not None
    assert mentoring.message_count == 200


class BackendKiller:
    """Terminates every other connection to the test database, as an operator would, and
    waits until they are gone (else a connection killed while idle in the pool may still look
    alive to the next checkout, and die under a call made after the kill)."""

    def __init__(self, url: str) -> None:
        self._url = url

    def kill(self) -> int:
        with psycopg.connect(self._url, autocommit=True) as conn:
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name = 'mentorat'"
            ).fetchone()
        return int(killed[0]) if killed else 0


class KillingClock:
    """A clock that, when armed, kills the database connections the moment it is read.

    PostMessage reads the clock after locking the mentoring and before inserting the message,
    so the kill lands in the middle of the use case's transaction.
    """

    def __init__(self, killer: BackendKiller) -> None:
        self.killer, self.armed, self.killed = killer, False, 0

    def now(self) -> datetime:
        if self.armed:
            self.armed = False
            self.killed += self.killer.kill()
        return datetime.now(UTC)


async def test_a_connection_killed_mid_use_case_is_storage_unavailable_then_recovers(
    pg_url: str,
) -> None:
    clock = KillingClock(BackendKiller(pg_url))
    system = open_system(settings_for(pg_url), clock=clock)
    try:
        app = system.mentorat
        mentor, mentee = await a_pair(system)
        request = await a_request(system, mentor, mentee)
        # Several pooled connections, so that idle ones die too (pre-ping must replace them).
        await asyncio.gather(*(app.uow.ping() for _ in range(4)))
        clock.armed = True
        with pytest.raises(StorageUnavailable):
            await app.post_message(PostMessageCommand(request.id, mentee.id, "lost"))
        assert clock.killed >= 1
        posted = await app.post_message(PostMessageCommand(request.id, mentee.id, "kept"))
        await asyncio.gather(*(app.uow.ping() for _ in range(4)))
        page = await app.list_messages(ListMessagesQuery(request.id, mentor.id))
        assert [m.id for m in page.messages] == [posted.id]
        async with app.uow(write=False) as tx:
            mentoring = await tx.mentorings.get(request.id)
        assert mentoring is not None
        assert mentoring.message_count == 1
    finally:
        await system.aclose()


async def test_connections_killed_under_load_fail_only_the_calls_in_flight(
    pg_url: str,
) -> None:
    system = open_system(settings_for(pg_url, db_pool_size=8))
    killer = BackendKiller(pg_url)
    try:
        app = system.mentorat
        mentor, mentee = await a_pair(system)
        request = await a_request(system, mentor, mentee)
        await app.respond_to_request(RespondCommand(request.id, mentor.id, accept=True))

        async def writer(k: int) -> list[object]:
            results: list[object] = []
            for i in range(15):
                try:
                    results.append(
                        await app.post_message(
                            PostMessageCommand(request.id, mentee.id, f"{k}.{i}")
                        )
                    )
                except StorageUnavailable as error:
                    results.append(error)
            return results

        async def kill_repeatedly() -> None:
            for _ in range(3):
                await asyncio.sleep(0.05)
                await asyncio.to_thread(killer.kill)

        runs, _ = await asyncio.gather(
            asyncio.gather(*(writer(k) for k in range(8))), kill_repeatedly()
        )
        results = [r for run in runs for r in run]
        ok = sum(1 for r in results if not isinstance(r, BaseException))
        failed = len(results) - ok
        # Every call ended in success or StorageUnavailable: nothing else leaked out.
        assert ok + failed == 120
        assert ok > 0
        # Pre-ping replaces the idle connections that died; only calls in flight fail, at
        # most one per writer for each of the three kills.
        assert failed <= 3 * 8
        after = await app.post_message(PostMessageCommand(request.id, mentor.id, "after"))
        assert after.id > 0
        async with app.uow(write=False) as tx:
            mentoring = await tx.mentorings.get(request.id)
            page = await tx.messages.page(request.id, PageRequest(after=0, limit=200))
        assert mentoring is not None
        stored = len(page.messages)
        # A commit can succeed on the server while its answer is lost with the connection.
        assert ok + 1 <= stored <= ok + 1 + failed
        assert mentoring.message_count == stored
    finally:
        await system.aclose()


async def test_an_unreachable_database_is_storage_unavailable_quickly() -> None:
    settings = settings_for(
        "postgresql://postgres@127.0.0.1:1/nowhere", db_connect_timeout=2, db_pool_timeout=1
    )
    system = open_system(settings)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(StorageUnavailable):
            await system.mentorat.uow.ping()
        with pytest.raises(StorageUnavailable):
            await system.mentorat.list_mentorings(UserId(1))
        assert loop.time() - started < 5
    finally:
        await system.aclose()


async def test_an_exhausted_pool_is_storage_unavailable_after_the_pool_timeout(
    pg_url: str,
) -> None:
    settings = settings_for(pg_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.3)
    system = open_system(settings)
    try:
        uow = system.mentorat.uow
        async with uow(write=False) as tx:
            await tx.users.get_by_username("anyone")  # holds the only connection
            with pytest.raises(StorageUnavailable):
                await system.mentorat.uow.ping()
        await uow.ping()
    finally:
        await system.aclose()


async def test_a_statement_over_the_timeout_is_storage_unavailable(pg_url: str) -> None:
    system = open_system(settings_for(pg_url, db_statement_timeout=0.3))
    try:
        app = system.mentorat
        mentor, mentee = await a_pair(system)
        request = await a_request(system, mentor, mentee)
        async with app.uow() as holder:
            await holder.mentorings.get(request.id, for_update=True)
            with pytest.raises(StorageUnavailable):
                await app.respond_to_request(RespondCommand(request.id, mentor.id, True))
        accepted = await app.respond_to_request(RespondCommand(request.id, mentor.id, True))
        assert accepted.status is Status.ACTIVE
    finally:
        await system.aclose()


async def test_the_engine_sets_the_session_timeouts_and_utc(pg_url: str) -> None:
    engine = create_engine(Settings(database_url=pg_url, db_statement_timeout=2.5))
    try:
        async with SqlUnitOfWork(engine).connect(write=False) as conn:
            timeout = (await conn.exec_driver_sql("SHOW statement_timeout")).scalar()
            zone = (await conn.exec_driver_sql("SHOW timezone")).scalar()
            name = (await conn.exec_driver_sql("SHOW application_name")).scalar()
        assert (timeout, zone, name) == ("2500ms", "UTC", "mentorat")
    finally:
        await engine.dispose()
