"""PostgreSQL under real parallel connections, and with its connections killed mid-run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from mentorat.adapters.sql.database import open_database
from mentorat.application.errors import StorageUnavailable
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.views import MentoringView
from mentorat.bootstrap import System, open_system
from mentorat.domain.chat import PageRequest
from mentorat.domain.errors import (
    ConcurrentUpdate,
    OpenMentoringExists,
    RequestNotPending,
)
from mentorat.domain.mentoring import NewMentoring, Status
from mentorat.domain.users import UserId
from mentorat.settings import Settings
from tests.conftest import settings_for
from tests.sql.support import (
    PERIOD,
    BackendKiller,
    a_pair,
    a_request,
    outcomes,
    stored_mentoring,
)

pytestmark = pytest.mark.postgres


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
    stored = await stored_mentoring(pg_system, request.id)
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
    stored = await stored_mentoring(pg_system, request.id)
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
    mentoring = await stored_mentoring(pg_system, request.id)
    assert mentoring.message_count == 200


class KillingClock:
    """A clock that, once armed, kills the database connections at its `skip + 1`-th reading.

    A post with an idempotency key reads the clock once to claim the key, then once more after
    locking the mentoring and before storing the message: skipping the first reading, the kill
    lands in the middle of the write's transaction.
    """

    def __init__(self, killer: BackendKiller) -> None:
        self.killer, self.killed = killer, 0
        self._countdown: int | None = None

    def arm(self, *, skip: int = 0) -> None:
        self._countdown = skip

    def now(self) -> datetime:
        if self._countdown is not None:
            if self._countdown == 0:
                self._countdown = None
                self.killed += self.killer.kill()
            else:
                self._countdown -= 1
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
        # A post without a key holds no transaction on PostgreSQL (one statement); one with a
        # key holds the mentoring from its read to the commit: the kill lands in between.
        keyed = PostMessageCommand(
            request.id, mentee.id, "lost, then kept", idempotency_key="k", fingerprint="f"
        )
        clock.arm(skip=1)
        with pytest.raises(StorageUnavailable):
            await app.post_message(keyed)
        assert clock.killed >= 1
        assert app.write_once.releasing == 0  # the key was given back at once
        retried = await app.post_message(keyed)
        posted = await app.post_message(PostMessageCommand(request.id, mentee.id, "kept"))
        await asyncio.gather(*(app.uow.ping() for _ in range(4)))
        page = await app.list_messages(ListMessagesQuery(request.id, mentor.id))
        assert [m.id for m in page.messages] == [retried.id, posted.id]
        assert (await stored_mentoring(system, request.id)).message_count == 2
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
    database = open_database(Settings(database_url=pg_url, db_statement_timeout=2.5))
    try:
        scope = database.connect(write=False)
        async with scope:
            conn = scope.connection
            assert conn is not None
            timeout = (await conn.exec_driver_sql("SHOW statement_timeout")).scalar()
            zone = (await conn.exec_driver_sql("SHOW timezone")).scalar()
            name = (await conn.exec_driver_sql("SHOW application_name")).scalar()
        assert (timeout, zone, name) == ("2500ms", "UTC", "mentorat")
    finally:
        await database.dispose()
