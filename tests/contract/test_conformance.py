"""Each adapter implements its ports: annotated assignments that mypy checks.

`conforms` is never called; mypy reads it. The test runs mypy (strict, the project's settings)
on this file, so a signature that drifts from its port fails the suite, not only `make test`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mentorat.adapters.auth.jwt_tokens import JwtTokens
from mentorat.adapters.memory.repositories import (
    InMemoryIdempotencyKeys,
    InMemoryMentorings,
    InMemoryMessages,
    InMemoryStore,
    InMemoryTransaction,
    InMemoryUnitOfWork,
    InMemoryUsedRefreshTokens,
    InMemoryUsers,
)
from mentorat.adapters.memory.services import InMemoryLoginThrottle
from mentorat.adapters.sql.idempotency import SqlIdempotencyKeys
from mentorat.adapters.sql.repositories import SqlMentorings, SqlMessages, SqlUsers
from mentorat.adapters.sql.throttle import SqlLoginThrottle
from mentorat.adapters.sql.uow import SqlTransaction, SqlUnitOfWork
from mentorat.adapters.sql.used_tokens import SqlUsedRefreshTokens
from mentorat.application.ports import (
    IdempotencyKeys,
    LoginThrottle,
    Mentorings,
    Messages,
    Tokens,
    Transaction,
    UnitOfWork,
    UsedRefreshTokens,
    Users,
)


def conforms(connection: AsyncConnection, engine: AsyncEngine, store: InMemoryStore) -> None:
    sql_users: Users = SqlUsers(connection)
    sql_mentorings: Mentorings = SqlMentorings(connection)
    sql_messages: Messages = SqlMessages(connection)
    sql_transaction: Transaction = SqlTransaction(connection)
    sql_uow: UnitOfWork = SqlUnitOfWork(engine)
    sql_throttle: LoginThrottle = SqlLoginThrottle(engine)
    sql_keys: IdempotencyKeys = SqlIdempotencyKeys(connection)
    sql_used: UsedRefreshTokens = SqlUsedRefreshTokens(connection)

    memory_users: Users = InMemoryUsers(store, [])
    memory_mentorings: Mentorings = InMemoryMentorings(store, [])
    memory_messages: Messages = InMemoryMessages(store, [])
    memory_transaction: Transaction = InMemoryTransaction(store)
    memory_uow: UnitOfWork = InMemoryUnitOfWork(store)
    memory_throttle: LoginThrottle = InMemoryLoginThrottle()
    memory_keys: IdempotencyKeys = InMemoryIdempotencyKeys(store, [])
    memory_used: UsedRefreshTokens = InMemoryUsedRefreshTokens(store, [])
    jwt_tokens: Tokens = JwtTokens("a signing key")
    del sql_users, sql_mentorings, sql_messages, sql_transaction, sql_uow, sql_throttle
    del memory_users, memory_mentorings, memory_messages, memory_transaction, memory_uow
    del memory_throttle, sql_keys, sql_used, memory_keys, memory_used, jwt_tokens


def test_every_adapter_conforms_to_its_port_for_mypy() -> None:
    from mypy import api

    root = Path(__file__).resolve().parents[2]
    stdout, stderr, status = api.run(
        ["--config-file", str(root / "pyproject.toml"), "--no-error-summary", __file__]
    )
    assert status == 0, stdout + stderr
