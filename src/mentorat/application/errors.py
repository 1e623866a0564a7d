"""Errors raised at the application boundary rather than by a business rule."""

from __future__ import annotations

from mentorat.domain.errors import Conflict, MentoratError


class StorageUnavailable(MentoratError):
    """The database cannot be reached or did not answer in time; retrying later may work."""

    def __init__(self, message: str = "The database is unavailable; retry shortly.") -> None:
        super().__init__(message)


class Throttled(MentoratError):
    """Too many attempts: the caller must wait `retry_after` seconds."""

    def __init__(
        self, retry_after: int, message: str = "Too many failed login attempts. Try again later."
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RegistrationsThrottled(Throttled):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after, "Too many accounts registered from this address. Try later.")


class Overloaded(MentoratError):
    """The process is doing as much of this work as it may at once (hashing passwords, whose
    memory is bounded); retrying after `retry_after` seconds may work."""

    retry_after = 1

    def __init__(self) -> None:
        super().__init__("The server is busy checking passwords; retry shortly.")


class DeliveryFailed(MentoratError):
    """A webhook endpoint or the mail server did not take what was sent (an error answer, a
    timeout, no connection); sending it again later may work."""


class IdempotencyKeyReused(MentoratError):
    """An Idempotency-Key the caller already sent with a different request (HTTP 422).

    Its own family: the request is well formed (not 400) and the state of the resource does not
    forbid it (not 409); the client reused a key it must not reuse.
    """

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used with a different request; "
            "use a new key for a new request."
        )


class IdempotencyKeyInFlight(Conflict):
    """A request with the same Idempotency-Key is still running; retrying later replays it.

    `retry_after`: seconds a client should wait; a live request finishes well within it, and a
    key whose request failed is given back as soon as the store answers.
    """

    retry_after = 1

    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still being processed; retry shortly."
        )


class SubscriptionDropped(MentoratError):
    """A follower of events read too slowly and was let go; it resumes from its last id."""

    def __init__(
        self, message: str = "Events were read too slowly; resume from the last id."
    ) -> None:
        super().__init__(message)
