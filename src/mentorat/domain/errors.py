"""Every broken business rule, each a distinct exception that says which rule and why.

The families (`InvalidInput`, `NotAllowed`, `NotFound`, `Conflict`, ...) are what adapters map
to their own vocabulary (HTTP status codes, CLI exit codes); the leaves name the rule.
"""

from __future__ import annotations


class MentoratError(Exception):
    """Base of every error raised by the domain and the application.

    `code`, when a leaf sets it, names the rule for programs (the HTTP adapter sends it), so a
    client can tell two conflicts apart without reading the human text.
    """

    code: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- 400: the input breaks a rule --------------------------------------------------------------


class InvalidInput(MentoratError):
    """The caller sent something that breaks a rule about values."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidUsername(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__("username", message)


class InvalidEmail(InvalidInput):
    def __init__(self) -> None:
        super().__init__("email", "Enter a valid email address.")


class WeakPassword(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__("password", message)


class WrongPassword(InvalidInput):
    """The password given to prove who one is (to change it, to erase one's account) is not
    the account's."""

    def __init__(self, field: str) -> None:
        super().__init__(field, "Your current password was entered incorrectly.")


class InvalidPeriod(InvalidInput):
    def __init__(self) -> None:
        super().__init__("End_Date", "End_Date must not be before Start_Date.")


class NotAMentor(InvalidInput):
    def __init__(self) -> None:
        super().__init__("mentor_id", "mentor_id must be the id of a user who is a mentor.")


class SelfMentoring(InvalidInput):
    def __init__(self) -> None:
        super().__init__("mentor_id", "A user cannot request a mentoring from themself.")


class EmptyMessage(InvalidInput):
    def __init__(self) -> None:
        super().__init__("message", "The message is empty.")


class MessageTooLong(InvalidInput):
    def __init__(self, limit: int) -> None:
        super().__init__("message", f"The message is longer than {limit} characters.")


class ReasonTooLong(InvalidInput):
    def __init__(self, limit: int) -> None:
        super().__init__("reason", f"The reason is longer than {limit} characters.")


class UnstorableText(InvalidInput):
    """Text holding U+0000 or a lone surrogate: no text store keeps it, so it is bad input."""

    def __init__(self, field: str) -> None:
        super().__init__(
            field, "Null characters and unpaired surrogates are not allowed in this field."
        )


class InvalidPaging(InvalidInput):
    """A page (of a chat or a list) was asked with a bad `limit`, `before` or `after`."""


class InvalidFieldValue(InvalidInput):
    """A field holds a value outside the set the rule allows (e.g. an unknown status)."""


class InvalidGoalTitle(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__("title", message)


class InvalidGoalOrder(InvalidInput):
    """A new order of goals that is not exactly the mentoring's goals, each once."""

    def __init__(self, message: str) -> None:
        super().__init__("ids", message)


# --- 401: who is calling is not established ----------------------------------------------------


class AuthenticationFailed(MentoratError):
    """The caller's credentials are missing, wrong, expired or belong to no active user."""


class InvalidCredentials(AuthenticationFailed):
    def __init__(self) -> None:
        super().__init__("No active account found with the given credentials")


class InvalidToken(AuthenticationFailed):
    def __init__(self, message: str = "Given token not valid for any token type") -> None:
        super().__init__(message)


# --- 403: known caller, forbidden action -------------------------------------------------------


class NotAllowed(MentoratError):
    """The caller is authenticated and may see the resource, but not do this to it."""


class NotTheMentor(NotAllowed):
    def __init__(self) -> None:
        super().__init__("Only the mentor of this request may respond to it.")


class NotYourself(NotAllowed):
    def __init__(self) -> None:
        super().__init__("mentee_id must be your own id: you can only request for yourself.")


class PasswordChangeRequired(NotAllowed):
    """The caller holds a temporary password and must change it before anything else."""

    code = "password_change_required"

    def __init__(self) -> None:
        super().__init__(
            "Your password was set by an administrator: change it (POST /auth/me/password/) "
            "before anything else."
        )


class StaffOnly(NotAllowed):
    """The route is for administrators; the same answer whatever the route, so a caller who
    is not one learns nothing about which administration routes exist."""

    code = "staff_only"

    def __init__(self) -> None:
        super().__init__("You do not have permission to perform this action.")


class NotTheRequester(NotAllowed):
    def __init__(self) -> None:
        super().__init__("Only the mentee may withdraw a pending request; the mentor refuses it.")


# --- 404: unknown, or not visible to the caller ------------------------------------------------


class NotFound(MentoratError):
    """The resource does not exist, or exists but the caller may not know it does."""


class MentoringNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No mentoring matches the given id.")


class UserNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No user matches the given id or username.")


class GoalNotFound(NotFound):
    """No such goal in this mentoring (a goal of another mentoring is not found either)."""

    def __init__(self) -> None:
        super().__init__("No goal matches the given id in this mentoring.")


# --- 409: the state of the world forbids it ----------------------------------------------------


class Conflict(MentoratError):
    """The request is valid but conflicts with the current state."""


class UsernameTaken(Conflict):
    def __init__(self) -> None:
        super().__init__("A user with that username already exists.")


class OpenMentoringExists(Conflict):
    def __init__(self) -> None:
        super().__init__("This mentor and mentee already have a pending or active mentoring.")


class InvalidTransition(Conflict):
    """The mentoring is not in a state from which this action is allowed."""

    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"Cannot {action} a mentoring that is {status}.")
        self.action = action
        self.status = status


class PendingNotCancellable(InvalidTransition):
    def __init__(self) -> None:
        super().__init__("cancel", "pending")
        self.message = (
            "Cannot cancel a mentoring that is pending: the mentee withdraws a pending request "
            "(withdraw), the mentor refuses it (respond)."
        )
        self.args = (self.message,)


class RequestNotPending(InvalidTransition):
    def __init__(self, status: str) -> None:
        super().__init__("respond to", status)
        self.message = f"This request is no longer pending (it is {status})."
        self.args = (self.message,)


class MentoringClosed(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(
            f"Messages are only allowed while the mentoring is pending or active; "
            f"this one is {status}."
        )
        self.status = status


class GoalsClosed(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(
            f"Goals can only be changed while the mentoring is active; this one is {status}."
        )
        self.status = status


class TooManyGoals(Conflict):
    def __init__(self, limit: int) -> None:
        super().__init__(f"A mentoring has at most {limit} goals; delete one to add another.")
        self.limit = limit


class ConcurrentUpdate(Conflict):
    """Someone else changed the same thing between our read and our write."""

    def __init__(self) -> None:
        super().__init__("The resource was changed by another request; reload and retry.")


class MentorAtCapacity(Conflict):
    code = "mentor_at_capacity"

    def __init__(self) -> None:
        super().__init__(
            "The mentor's active mentees already fill their capacity; "
            "end a mentoring or raise the capacity first."
        )


class MentorNotAccepting(Conflict):
    code = "mentor_not_accepting"

    def __init__(self) -> None:
        super().__init__("This mentor is not accepting requests at the moment.")
