"""Each adapter implements its ports: annotated assignments that mypy checks.

`conforms` is never called; mypy reads it. The test runs mypy (strict, the project's settings)
on this file, so a signature that drifts from its port fails the suite, not only `make test`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from mentorat.adapters.auth.jwt_tokens import JwtTokens
from mentorat.adapters.auth.passwords import Argon2Hasher
from mentorat.adapters.memory.outbox import InMemoryOutbox
from mentorat.adapters.memory.records import (
    InMemoryAuditTrail,
    InMemoryIdempotencyKeys,
    InMemoryUsedRefreshTokens,
)
from mentorat.adapters.memory.repositories import (
    InMemoryGoals,
    InMemoryMentorings,
    InMemoryMessages,
    InMemoryUsers,
)
from mentorat.adapters.memory.services import InMemoryLoginThrottle, InMemoryRegistrationThrottle
from mentorat.adapters.memory.statistics import InMemoryProgrammeFigures
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.adapters.memory.uow import InMemoryTransaction, InMemoryUnitOfWork
from mentorat.adapters.sql.audit import SqlAuditTrail
from mentorat.adapters.sql.chat_posts import PostgresChatPosts
from mentorat.adapters.sql.database import Database
from mentorat.adapters.sql.goals import SqlGoals
from mentorat.adapters.sql.idempotency import SqlIdempotencyKeys
from mentorat.adapters.sql.mentorings import SqlMentorings
from mentorat.adapters.sql.messages import SqlMessages
from mentorat.adapters.sql.outbox import SqlOutbox
from mentorat.adapters.sql.statements import PostgresRunner, Runner, SqliteRunner
from mentorat.adapters.sql.statistics import SqlProgrammeFigures
from mentorat.adapters.sql.throttle import SqlLoginThrottle, SqlRegistrationThrottle
from mentorat.adapters.sql.uow import SqlTransaction, SqlUnitOfWork
from mentorat.adapters.sql.used_tokens import SqlUsedRefreshTokens
from mentorat.adapters.sql.users import SqlUsers
from mentorat.application.ports import (
    AuditTrail,
    ChatPosts,
    Goals,
    IdempotencyKeys,
    LoginThrottle,
    Mentorings,
    Messages,
    Outbox,
    PasswordHasher,
    ProgrammeFigures,
    RegistrationThrottle,
    Tokens,
    Transaction,
    UnitOfWork,
    UsedRefreshTokens,
    Users,
)
from mentorat.application.post_message import PostInTransaction


def conforms(
    connection: AsyncConnection, run: Runner, database: Database, store: InMemoryStore
) -> None:
    postgres_runner: Runner = PostgresRunner(connection, [], transaction=True)
    sqlite_runner: Runner = SqliteRunner(connection, [])
    sql_users: Users = SqlUsers(run)
    sql_mentorings: Mentorings = SqlMentorings(run)
    sql_messages: Messages = SqlMessages(run)
    sql_goals: Goals = SqlGoals(run)
    sql_transaction: Transaction = SqlTransaction(run)
    sql_uow: UnitOfWork = SqlUnitOfWork(database)
    sql_throttle: LoginThrottle = SqlLoginThrottle(database)
    sql_keys: IdempotencyKeys = SqlIdempotencyKeys(run)
    sql_used: UsedRefreshTokens = SqlUsedRefreshTokens(run)
    postgres_posts: ChatPosts = PostgresChatPosts(database)
    sql_posts: ChatPosts = PostInTransaction(SqlUnitOfWork(database))

    memory_users: Users = InMemoryUsers(store, [])
    memory_mentorings: Mentorings = InMemoryMentorings(store, [])
    memory_messages: Messages = InMemoryMessages(store, [])
    memory_goals: Goals = InMemoryGoals(store, [])
    memory_transaction: Transaction = InMemoryTransaction(store)
    memory_uow: UnitOfWork = InMemoryUnitOfWork(store)
    memory_throttle: LoginThrottle = InMemoryLoginThrottle()
    memory_keys: IdempotencyKeys = InMemoryIdempotencyKeys(store, [])
    memory_used: UsedRefreshTokens = InMemoryUsedRefreshTokens(store, [])
    memory_posts: ChatPosts = PostInTransaction(InMemoryUnitOfWork(store))
    jwt_tokens: Tokens = JwtTokens("a signing key")
    sql_audit: AuditTrail = SqlAuditTrail(run)
    sql_figures: ProgrammeFigures = SqlProgrammeFigures(run)
    sql_registrations: RegistrationThrottle = SqlRegistrationThrottle(database)
    memory_audit: AuditTrail = InMemoryAuditTrail(store, [])
    memory_figures: ProgrammeFigures = InMemoryProgrammeFigures(store)
    memory_registrations: RegistrationThrottle = InMemoryRegistrationThrottle()
    hasher: PasswordHasher = Argon2Hasher()
    del sql_audit, sql_figures, sql_registrations, hasher
    del memory_audit, memory_figures, memory_registrations
    sql_outbox: Outbox = SqlOutbox(run)
    memory_outbox: Outbox = InMemoryOutbox(store, [])
    del sql_outbox, memory_outbox
    del postgres_runner, sqlite_runner
    del sql_users, sql_mentorings, sql_messages, sql_transaction, sql_uow, sql_throttle
    del sql_keys, sql_used, postgres_posts, sql_posts, sql_goals
    del memory_users, memory_mentorings, memory_messages, memory_transaction, memory_uow
    del memory_throttle, memory_keys, memory_used, memory_posts, memory_goals, jwt_tokens


def test_every_adapter_conforms_to_its_port_for_mypy() -> None:
    from mypy import api

    root = Path(__file__).resolve().parents[2]
    stdout, stderr, status = api.run(
        ["--config-file", str(root / "pyproject.toml"), "--no-error-summary", __file__]
    )
    assert status == 0, stdout + stderr
