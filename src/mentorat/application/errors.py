"""Errors raised at the application boundary rather than by a business rule."""

from __future__ import annotations

from mentorat.domain.errors import MentoratError


class StorageUnavailable(MentoratError):
    """The database cannot be reached or did not answer in time; retrying later may work."""

    def __init__(self, message: str = "The database is unavailable; retry shortly.") -> None:
        super().__init__(message)


class Throttled(MentoratError):
    """Too many attempts: the caller must wait `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed login attempts. Try again later.")
        self.retry_after = retry_after
