"""Forget the events older than the retention: a stream resumes from any event more recent."""

from __future__ import annotations

from datetime import timedelta

from mentorat.application.ports import Clock, UnitOfWork


class PruneEvents:
    def __init__(self, uow: UnitOfWork, clock: Clock, retention: timedelta) -> None:
        self._uow, self._clock, self._retention = uow, clock, retention

    async def __call__(self) -> int:
        """How many events it forgot."""
        async with self._uow() as tx:
            forgotten = await tx.outbox.prune(self._clock.now() - self._retention)
            await tx.commit()
        return forgotten
