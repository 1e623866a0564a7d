"""Every use case sends a fixed number of statements, however much data there is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest

from mentorat.application.edit_profile import EditProfileCommand
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.errors import Throttled
from mentorat.application.find_mentors import SuggestQuery
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.list_requests import ListRequestsQuery
from mentorat.application.list_users import UsersQuery
from mentorat.application.manage_goals import (
    AddGoalCommand,
    DeleteGoalCommand,
    EditGoalCommand,
    ListGoalsQuery,
    ReorderGoalsCommand,
)
from mentorat.application.manage_passwords import ChangePasswordCommand
from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.personal_data import EraseCommand
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.read_audit import AuditQuery
from mentorat.application.register_user import RegisterCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.application.views import UserView
from mentorat.bootstrap import System, open_system
from mentorat.domain.chat import NewMessage, PageRequest
from mentorat.domain.directory import DirectoryQuery
from mentorat.domain.errors import InvalidCredentials
from mentorat.domain.goals import GoalEdit, NewGoal
from mentorat.domain.mentoring import Ending, NewMentoring, Role, Status
from mentorat.domain.users import NewUser
from tests.conftest import settings_for
from tests.sql.support import StatementLog, sql_uow

# The bound per use case; docs/persistence.md carries the same table.
EXPECTED = {
    # The user, then their empty profile.
    "register_user": 2,
    "obtain_tokens": 2,
    # + the failure recorded and old ones pruned, the audit entry.
    "obtain_tokens (wrong password)": 5,
    # The user, whether a logout spent the token.
    "refresh_access": 2,
    "identify_caller": 1,
    "identify_caller (cached)": 0,
    # Both users, the mentor's profile (accepting requests?), the open-pair check, the insert,
    # its event in the outbox (as every change below: one more statement, the last).
    "request_mentoring": 5,
    # The mentoring FOR UPDATE, the mentor's place taken, the save, then the mentor's answer
    # time: their latest answers read, the median written.
    "respond_to_request": 6,
    "end_mentoring (cancel)": 3,
    # An active mentoring's end also gives its place back.
    "end_mentoring (complete)": 4,
    "list_requests": 1,
    "list_requests (status and role)": 1,
    "list_mentorings": 1,
    "show_progress": 1,
    # The user with their profile, joined.
    "show_profile": 1,
    # The user with their profile, then the user, whether they are listed, the profile.
    "edit_profile": 4,
    "search_mentors": 1,
    # The caller's profile, the candidates (with at most one more statement when fewer than
    # 50 share a wanted skill, as here), the caller's requests.
    "suggest_mentors": 4,
    # The mentoring read FOR UPDATE (SQLite drops the clause), the counting UPDATE ...
    # RETURNING, the INSERT, the sender's read mark, the event; on SQLite, a chat's next post
    # is the same unit of work again. (PostgreSQL does all that in the post's one statement.)
    "post_message": 5,
    "post_message (same chat again)": 5,
    "list_messages (newest)": 1,
    "list_messages (before)": 1,
    "list_messages (after)": 1,
    # The user, then whether the directory lists them (on their profile), the audit entry.
    "verify_user": 4,
    "deactivate_user": 4,
    "reactivate_user": 4,
    "ping": 1,
}
# PostgreSQL stores a post and the counters it moves in one statement (a data-modifying WITH,
# which SQLite lacks), after reading the mentoring; a chat's next post in this process skips
# that read (PostgresChatPosts' recent mentorings). Everything else is the same on both.
ON_POSTGRESQL = {"post_message": 2, "post_message (same chat again)": 1}
PASSWORD = "correct horse"


def expected_on(
    system: System, counts: dict[str, int], postgresql: dict[str, int]
) -> dict[str, int]:
    if sql_uow(system).database.kind == "postgresql":
        return {**counts, **postgresql}
    return counts


async def register(app: Mentorat, name: str, *, mentor: bool = False) -> UserView:
    return await app.register_user(
        RegisterCommand(name, PASSWORD, f"{name}@example.com", is_mentor=mentor)
    )


class Counts(dict[str, int]):
    """Statements sent per use case, on one system: `await counts.measure(name, call)`."""

    def __init__(self, log: StatementLog) -> None:
        super().__init__()
        self._log = log

    async def measure(self, name: str, call: Callable[[], Awaitable[object]]) -> None:
        self._log.take()
        await call()
        self[name] = len(self._log.take())


@contextmanager
def counting(system: System) -> Iterator[Counts]:
    log = StatementLog(sql_uow(system).database)
    try:
        yield Counts(log)
    finally:
        log.close()


async def count_each_use_case(system: System, round_: int) -> dict[str, int]:
    """Run every use case once on the system's current data; statements sent by each."""
    app = system.mentorat
    with counting(system) as counts:
        measure = counts.measure
        new_name = f"newcomer{round_}"
        await measure("register_user", lambda: register(app, new_name))
        mentee = await app.obtain_tokens(LoginCommand("ada", PASSWORD, "10.0.0.1"))
        await measure("obtain_tokens", lambda: app.obtain_tokens(LoginCommand("ada", PASSWORD)))

        async def wrong_password() -> None:
            with pytest.raises(InvalidCredentials):
                await app.obtain_tokens(LoginCommand("ada", "wrong", "10.0.0.2"))

        await measure("obtain_tokens (wrong password)", wrong_password)
        await measure("refresh_access", lambda: app.refresh_access(mentee.refresh))
        # A caller not seen in the last few seconds (this round's newcomer) is looked up; a
        # recent one is not.
        newcomer = await app.obtain_tokens(LoginCommand(new_name, PASSWORD, "10.0.0.3"))
        await measure("identify_caller", lambda: app.identify_caller(newcomer.access))
        ada = await app.identify_caller(mentee.access)
        await measure("identify_caller (cached)", lambda: app.identify_caller(mentee.access))
        mentor = await register(app, f"mentor{round_}", mentor=True)
        period = (date(2025, 1, 1), date(2025, 6, 30))

        def request() -> Awaitable[object]:
            return app.request_mentoring(RequestMentoringCommand(ada.id, mentor.id, *period))

        await measure("request_mentoring", request)
        [pending] = [
            m
            for m in await app.list_requests(ListRequestsQuery(ada.id, status=Status.PENDING))
            if m.mentor_id == mentor.id
        ]
        await measure(
            "end_mentoring (cancel)",
            lambda: app.end_mentoring(EndCommand(pending.id, ada.id, Ending.WITHDRAWN)),
        )
        again = await app.request_mentoring(RequestMentoringCommand(ada.id, mentor.id, *period))
        await measure(
            "respond_to_request",
            lambda: app.respond_to_request(RespondCommand(again.id, mentor.id, accept=True)),
        )
        await measure(
            "post_message",
            lambda: app.post_message(PostMessageCommand(again.id, ada.id, "hello")),
        )
        await measure(
            "post_message (same chat again)",
            lambda: app.post_message(PostMessageCommand(again.id, ada.id, "again")),
        )
        await measure(
            "end_mentoring (complete)",
            lambda: app.end_mentoring(EndCommand(again.id, mentor.id, Ending.COMPLETED)),
        )
        await measure("list_requests", lambda: app.list_requests(ListRequestsQuery(ada.id)))
        await measure(
            "list_requests (status and role)",
            lambda: app.list_requests(ListRequestsQuery(ada.id, Status.ACTIVE, Role.MENTEE)),
        )
        await measure("list_mentorings", lambda: app.list_mentorings(ada.id))
        await measure("show_progress", lambda: app.show_progress(ada.id))
        await measure("show_profile", lambda: app.show_profile(ada.id))
        await measure(
            "edit_profile", lambda: app.edit_profile(EditProfileCommand(ada.id, bio="Hello"))
        )
        await measure(
            "search_mentors",
            lambda: app.search_mentors(DirectoryQuery.build(q="lovelace", skills=["go"])),
        )
        await app.edit_profile(EditProfileCommand(ada.id, wanted_skills=["go", "rust"]))
        await measure("suggest_mentors", lambda: app.suggest_mentors(SuggestQuery(ada.id)))
        chat = (await app.list_mentorings(ada.id))[0].id
        for name, page in (
            ("list_messages (newest)", PageRequest()),
            ("list_messages (before)", PageRequest(before=10**6)),
            ("list_messages (after)", PageRequest(after=0, limit=200)),
        ):
            query = ListMessagesQuery(chat, ada.id, page)
            await measure(name, lambda q=query: app.list_messages(q))  # type: ignore[misc]
        for name in ("verify_user", "deactivate_user", "reactivate_user"):
            await measure(name, lambda n=name: getattr(app, n)(new_name))  # type: ignore[misc]
        await measure("ping", app.uow.ping)
    return dict(counts)


async def grow(system: System, name: str, *, mentorings: int, messages: int) -> None:
    """Many more accepted mentorings for `ada`, and a long history in her first chat."""
    app = system.mentorat
    async with app.uow() as tx:
        ada = await tx.users.get_by_username("ada")
        assert ada is not None
        first = None
        for i in range(mentorings):
            at = ada.joined_at + timedelta(seconds=i)
            mentor = await tx.users.add(
                NewUser(f"{name}{i}", "g@example.com", "x", "", "", True, None, at)
            )
            mentoring = await tx.mentorings.add(
                NewMentoring(mentor.id, ada.id, date(2025, 1, 1), date(2025, 2, 1), at)
            )
            mentoring.respond(by=mentor.id, accept=True, at=at)
            await tx.mentorings.save(mentoring)
            first = first or mentoring
        assert first is not None
        for i in range(messages):
            await tx.messages.add(NewMessage(first.id, ada.id, f"m{i}", first.created_at), first)
        await tx.commit()


async def on_small_then_large_data(
    system: System, count: Callable[[System, int], Awaitable[dict[str, int]]]
) -> list[dict[str, int]]:
    """`count` run once on a few rows, once on many more (`ada` and her chats)."""
    await register(system.mentorat, "ada")
    await grow(system, "few", mentorings=2, messages=3)
    small = await count(system, 1)
    await grow(system, "many", mentorings=60, messages=400)
    return [small, await count(system, 2)]


async def test_each_use_case_sends_the_same_few_statements_at_any_data_size(
    system: System,
) -> None:
    expected = expected_on(system, EXPECTED, ON_POSTGRESQL)
    assert await on_small_then_large_data(system, count_each_use_case) == [expected, expected]


async def test_a_throttled_login_costs_one_statement_once_audited(system: System) -> None:
    app = system.mentorat
    await register(app, "ada")
    limit = system.settings.login_max_failures_per_username
    for _ in range(limit):
        with pytest.raises(InvalidCredentials):
            await app.obtain_tokens(LoginCommand("ada", "wrong"))

    async def throttled() -> None:
        with pytest.raises(Throttled):
            await app.obtain_tokens(LoginCommand("ADA", PASSWORD))

    with counting(system) as counts:
        await counts.measure("obtain_tokens (throttled, audited)", throttled)
        await counts.measure("obtain_tokens (throttled)", throttled)
    assert counts == {"obtain_tokens (throttled, audited)": 2, "obtain_tokens (throttled)": 1}


# The idempotent and rotating paths, which the plain ones above do not take; docs/persistence.md
# carries the same table. The plain paths (no key, rotation off) are counted above, unchanged.
EXPECTED_REPLAYS = {
    "post_message (new key)": 8,
    "post_message (replayed key)": 3,
    "request_mentoring (new key)": 8,
    "request_mentoring (replayed key)": 3,
    "refresh_tokens (rotating)": 3,
}
# A keyed post is a unit of work on both: claim (insert, prune), then mentoring FOR UPDATE,
# counting update, insert, read mark, event and completion of the key in one transaction.
REPLAYS_ON_POSTGRESQL: dict[str, int] = {}


async def count_replay_paths(system: System, round_: int) -> dict[str, int]:
    app = system.mentorat
    with counting(system) as counts:
        measure = counts.measure
        ada = await app.identify_caller(
            (await app.obtain_tokens(LoginCommand("ada", PASSWORD))).access
        )
        mentor = await register(app, f"keyed{round_}", mentor=True)
        ask = RequestMentoringCommand(
            ada.id,
            mentor.id,
            date(2025, 1, 1),
            date(2025, 6, 30),
            idempotency_key=f"ask-{round_}",
            fingerprint="a" * 64,
        )
        await measure("request_mentoring (new key)", lambda: app.request_mentoring(ask))
        await measure("request_mentoring (replayed key)", lambda: app.request_mentoring(ask))
        pending = await app.list_requests(ListRequestsQuery(ada.id, Status.PENDING, Role.MENTEE))
        chat = pending[-1].id
        say = PostMessageCommand(
            chat, ada.id, "hello", idempotency_key=f"say-{round_}", fingerprint="b" * 64
        )
        await measure("post_message (new key)", lambda: app.post_message(say))
        await measure("post_message (replayed key)", lambda: app.post_message(say))
        refresh = (await app.obtain_tokens(LoginCommand("ada", PASSWORD))).refresh
        await measure("refresh_tokens (rotating)", lambda: app.refresh_tokens(refresh))
    return dict(counts)


async def test_the_idempotent_and_rotating_paths_send_a_fixed_few_statements(
    db_url: str,
) -> None:
    system = open_system(settings_for(db_url), rotate_refresh_tokens=True)
    try:
        counted = await on_small_then_large_data(system, count_replay_paths)
        expected = expected_on(system, EXPECTED_REPLAYS, REPLAYS_ON_POSTGRESQL)
    finally:
        await system.aclose()
    assert counted == [expected, expected]


# The goals' use cases; docs/persistence.md carries the same table. Each change reads the
# mentoring FOR UPDATE first (SQLite drops the clause), and records its event last.
EXPECTED_GOALS = {
    "list_goals": 2,
    "add_goal": 4,
    "add_goal (new key)": 7,
    "add_goal (replayed key)": 3,
    "edit_goal": 4,
    "edit_goal (no change)": 2,
    "reorder_goals": 4,
    "delete_goal": 5,
}


async def count_goal_use_cases(system: System, round_: int) -> dict[str, int]:
    app = system.mentorat
    ada = await app.identify_caller((await app.obtain_tokens(LoginCommand("ada", PASSWORD))).access)
    [chat, *_] = await app.list_mentorings(ada.id)
    with counting(system) as counts:
        measure = counts.measure
        await measure("list_goals", lambda: app.list_goals(ListGoalsQuery(chat.id, ada.id)))
        add = AddGoalCommand(chat.id, ada.id, f"round {round_}")
        await measure("add_goal", lambda: app.add_goal(add))
        keyed = AddGoalCommand(
            chat.id, ada.id, "keyed", idempotency_key=f"goal-{round_}", fingerprint="c" * 64
        )
        await measure("add_goal (new key)", lambda: app.add_goal(keyed))
        await measure("add_goal (replayed key)", lambda: app.add_goal(keyed))
        goals = await app.list_goals(ListGoalsQuery(chat.id, ada.id))
        tick = EditGoalCommand(chat.id, goals[-1].id, ada.id, GoalEdit(done=True))
        await measure("edit_goal", lambda: app.edit_goal(tick))
        await measure("edit_goal (no change)", lambda: app.edit_goal(tick))
        order = ReorderGoalsCommand(chat.id, ada.id, [g.id for g in reversed(goals)])
        await measure("reorder_goals", lambda: app.reorder_goals(order))
        drop = DeleteGoalCommand(chat.id, goals[0].id, ada.id)
        await measure("delete_goal", lambda: app.delete_goal(drop))
    return dict(counts)


async def grow_goals(system: System) -> None:
    """Many goals in ada's first mentoring, and in the others."""
    app = system.mentorat
    async with app.uow() as tx:
        ada = await tx.users.get_by_username("ada")
        assert ada is not None
        for number, mentoring in enumerate(await tx.mentorings.list_accepted_for(ada.id)):
            count = 80 if number == 0 else 5
            start = await tx.goals.count(mentoring.id)
            for i in range(count):
                new = NewGoal(mentoring.id, f"goal {i}", None, start + i + 1, ada.joined_at)
                await tx.goals.add(new)
        await tx.commit()


async def test_the_goal_use_cases_send_a_fixed_few_statements(system: System) -> None:
    await register(system.mentorat, "ada")
    await grow(system, "few", mentorings=2, messages=0)
    small = await count_goal_use_cases(system, 1)
    await grow(system, "many", mentorings=30, messages=0)
    await grow_goals(system)
    large = await count_goal_use_cases(system, 2)
    assert [small, large] == [EXPECTED_GOALS, EXPECTED_GOALS]


# The accounts' use cases (issue 14); docs/persistence.md carries the same table.
EXPECTED_ACCOUNTS = {
    # The user, the throttle's check; then the user FOR UPDATE, its update and `listed`, the
    # audit entry.
    "change_password": 6,
    "verify_token (access)": 1,
    # + whether a logout spent it.
    "verify_token (refresh)": 2,
    # The used jti inserted and expired ones pruned, the user, the audit entry.
    "log_out": 4,
    "set_temporary_password": 4,
    "list_users": 1,
    "read_audit": 1,
    "show_statistics": 6,
    # Profile with owner, mentorings, messages sent, goals, audit entries, the outbox's events
    # addressed to them (one page: fewer than 500), the export's entry.
    "export_personal_data": 7,
    # Without open mentorings (each adds the statements of ending it): the user (password),
    # the user FOR UPDATE, the mentorings, the user's update and `listed`, the profile, the
    # messages redacted, the message events forgotten (outbox, webhook dead letters), the
    # failures and addresses forgotten, the search index merged (SQLite; a no-op SELECT on
    # PostgreSQL), the audit entry.
    "erase_person": 13,
}


async def count_account_use_cases(system: System, round_: int) -> dict[str, int]:
    app = system.mentorat
    name = f"account{round_}"
    await register(app, name)
    pair = await app.obtain_tokens(LoginCommand(name, PASSWORD))
    user = await app.identify_caller(pair.access)
    with counting(system) as counts:
        measure = counts.measure
        await measure(
            "change_password",
            lambda: app.change_password(
                ChangePasswordCommand(user.id, PASSWORD, "another password")
            ),
        )
        fresh = await app.obtain_tokens(LoginCommand(name, "another password"))
        await measure("verify_token (access)", lambda: app.verify_token(fresh.access))
        await measure("verify_token (refresh)", lambda: app.verify_token(fresh.refresh))
        await measure("log_out", lambda: app.log_out(fresh.refresh))
        await measure(
            "set_temporary_password",
            lambda: app.set_temporary_password(name, "temporary password"),
        )
        await measure("list_users", lambda: app.list_users(UsersQuery(search="acc")))
        await measure("read_audit", lambda: app.read_audit(AuditQuery()))
        await measure("show_statistics", app.show_statistics)
        ada = await app.obtain_tokens(LoginCommand("ada", PASSWORD))
        ada_id = (await app.identify_caller(ada.access)).id
        await measure("export_personal_data", lambda: app.export_personal_data(ada_id))
        await measure(
            "erase_person",
            lambda: app.erase_person(EraseCommand(user.id, "temporary password")),
        )
    return dict(counts)


async def test_each_account_use_case_sends_the_same_few_statements_at_any_data_size(
    system: System,
) -> None:
    expected = EXPECTED_ACCOUNTS
    assert await on_small_then_large_data(system, count_account_use_cases) == [expected] * 2
