"""The SQL unit of work: one connection and one database transaction per use case."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from mentorat.adapters.sql.audit import SqlAuditTrail
from mentorat.adapters.sql.database import ConnectionScope, Database
from mentorat.adapters.sql.directory import SqlMentorDirectory
from mentorat.adapters.sql.goals import SqlGoals
from mentorat.adapters.sql.idempotency import SqlIdempotencyKeys
from mentorat.adapters.sql.mentorings import SqlMentorings
from mentorat.adapters.sql.messages import SqlMessages
from mentorat.adapters.sql.outbox import SqlOutbox
from mentorat.adapters.sql.personal_data import SqlPersonalData
from mentorat.adapters.sql.profiles import SqlProfiles
from mentorat.adapters.sql.statements import Runner
from mentorat.adapters.sql.statistics import SqlProgrammeFigures
from mentorat.adapters.sql.used_tokens import SqlUsedRefreshTokens
from mentorat.adapters.sql.users import SqlUsers


class SqlTransaction:
    """The repositories of one open transaction; `commit()` makes their changes durable."""

    __slots__ = (
        "_on_events",
        "_run",
        "audit",
        "directory",
        "goals",
        "idempotency",
        "mentorings",
        "messages",
        "outbox",
        "personal_data",
        "profiles",
        "statistics",
        "used_refresh_tokens",
        "users",
    )

    def __init__(self, run: Runner, on_events: Callable[[], None] | None = None) -> None:
        self._run = run
        self._on_events = on_events
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
        self.outbox = SqlOutbox(run)

    async def commit(self) -> None:
        await self._run.commit()
        if self.outbox.added:
            self.outbox.added = False
            if self._on_events is not None:
                self._on_events()


class _TransactionScope:
    __slots__ = ("_on_events", "_scope")

    def __init__(self, scope: ConnectionScope, on_events: Callable[[], None] | None) -> None:
        self._scope, self._on_events = scope, on_events

    async def __aenter__(self) -> SqlTransaction:
        return SqlTransaction(await self._scope.__aenter__(), self._on_events)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._scope.__aexit__(exc_type, exc, tb)


class SqlUnitOfWork:
    """Implements `application.ports.UnitOfWork` on a `Database`.

    `on_events` is called after each commit that recorded events (the wake-up of this
    process's outbox readers; other processes hear of it through `listener.py`).
    """

    def __init__(self, database: Database, *, on_events: Callable[[], None] | None = None) -> None:
        self.database = database
        self.on_events = on_events

    def __call__(self, *, write: bool = True) -> _TransactionScope:
        return _TransactionScope(self.database.connect(write=write), self.on_events)

    async def ping(self) -> None:
        await self.database.ping()
