"""The SQL unit of work: one connection and one database transaction per use case."""

from __future__ import annotations

from types import TracebackType

from mentorat.adapters.sql.audit import SqlAuditTrail
from mentorat.adapters.sql.database import ConnectionScope, Database
from mentorat.adapters.sql.directory import SqlMentorDirectory
from mentorat.adapters.sql.goals import SqlGoals
from mentorat.adapters.sql.idempotency import SqlIdempotencyKeys
from mentorat.adapters.sql.mentorings import SqlMentorings
from mentorat.adapters.sql.messages import SqlMessages
from mentorat.adapters.sql.personal_data import SqlPersonalData
from mentorat.adapters.sql.profiles import SqlProfiles
from mentorat.adapters.sql.statements import Runner
from mentorat.adapters.sql.statistics import SqlProgrammeFigures
from mentorat.adapters.sql.used_tokens import SqlUsedRefreshTokens
from mentorat.adapters.sql.users import SqlUsers


class SqlTransaction:
    """The repositories of one open transaction; `commit()` makes their changes durable."""

    __slots__ = (
        "_run",
        "audit",
        "directory",
        "goals",
        "idempotency",
        "mentorings",
        "messages",
        "personal_data",
        "profiles",
        "statistics",
        "used_refresh_tokens",
        "users",
    )

    def __init__(self, run: Runner) -> None:
        self._run = run
        self.users = SqlUsers(run)
        self.audit = SqlAuditTrail(run)
        self.statistics = SqlProgrammeFigures(run)
        self.personal_data = SqlPersonalData(run)
        self.profiles = SqlProfiles(run)
        self.directory = SqlMentorDirectory(run)
        self.mentorings = SqlMentorings(run)
        self.messages = SqlMessages(run)
        self.goals = SqlGoals(run)
        self.idempotency = SqlIdempotencyKeys(run)
        self.used_refresh_tokens = SqlUsedRefreshTokens(run)

    async def commit(self) -> None:
        await self._run.commit()


class _TransactionScope:
    __slots__ = ("_scope",)

    def __init__(self, scope: ConnectionScope) -> None:
        self._scope = scope

    async def __aenter__(self) -> SqlTransaction:
        return SqlTransaction(await self._scope.__aenter__())

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._scope.__aexit__(exc_type, exc, tb)


class SqlUnitOfWork:
    """Implements `application.ports.UnitOfWork` on a `Database`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def __call__(self, *, write: bool = True) -> _TransactionScope:
        return _TransactionScope(self.database.connect(write=write))

    async def ping(self) -> None:
        await self.database.ping()
