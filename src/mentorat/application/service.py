"""`Mentorat`: every use case, wired to one set of ports. What adapters and library users call."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.end_mentoring import CancelMentoring, CompleteMentoring
from mentorat.application.identify_caller import IdentifyCaller, RecentCallers
from mentorat.application.list_mentorings import ListMentorings
from mentorat.application.list_messages import ListMessages
from mentorat.application.list_requests import ListRequests
from mentorat.application.manage_users import DeactivateUser, ReactivateUser, VerifyUser
from mentorat.application.obtain_tokens import ObtainTokens
from mentorat.application.ports import (
    Clock,
    EventPublisher,
    LoginThrottle,
    PasswordHasher,
    Tokens,
    UnitOfWork,
)
from mentorat.application.post_message import PostMessage
from mentorat.application.refresh_access import RefreshAccess, RefreshTokens
from mentorat.application.register_user import RegisterUser
from mentorat.application.request_mentoring import RequestMentoring
from mentorat.application.respond_to_request import RespondToRequest
from mentorat.application.show_progress import ShowProgress


@dataclass(frozen=True, slots=True)
class Mentorat:
    register_user: RegisterUser
    obtain_tokens: ObtainTokens
    refresh_access: RefreshAccess
    refresh_tokens: RefreshTokens
    identify_caller: IdentifyCaller
    request_mentoring: RequestMentoring
    respond_to_request: RespondToRequest
    cancel_mentoring: CancelMentoring
    complete_mentoring: CompleteMentoring
    list_requests: ListRequests
    list_mentorings: ListMentorings
    show_progress: ShowProgress
    post_message: PostMessage
    list_messages: ListMessages
    verify_user: VerifyUser
    deactivate_user: DeactivateUser
    reactivate_user: ReactivateUser
    uow: UnitOfWork

    @classmethod
    def wire(
        cls,
        *,
        uow: UnitOfWork,
        clock: Clock,
        hasher: PasswordHasher,
        tokens: Tokens,
        throttle: LoginThrottle,
        events: EventPublisher,
        rotate_refresh_tokens: bool = False,
        caller_cache_seconds: float = 0,
    ) -> Mentorat:
        """Every use case on these ports.

        `rotate_refresh_tokens`: each refresh hands out a new refresh token and spends the old
        one, which then no longer works (off by default, as in SimpleJWT).
        `caller_cache_seconds`: how long an authenticated caller's active state is reused
        without asking the store (0, the default, asks every time). A deactivation made by
        another process then takes up to that long to refuse the user's tokens here; see
        `RecentCallers`.
        """
        recent = RecentCallers(caller_cache_seconds)
        refresh_tokens = RefreshTokens(uow, tokens, clock, rotate=rotate_refresh_tokens)
        return cls(
            register_user=RegisterUser(uow, hasher, clock),
            obtain_tokens=ObtainTokens(uow, hasher, tokens, throttle, clock),
            refresh_access=RefreshAccess(refresh_tokens),
            refresh_tokens=refresh_tokens,
            identify_caller=IdentifyCaller(uow, tokens, clock, recent),
            request_mentoring=RequestMentoring(uow, clock, events),
            respond_to_request=RespondToRequest(uow, clock, events),
            cancel_mentoring=CancelMentoring(uow, clock, events),
            complete_mentoring=CompleteMentoring(uow, clock, events),
            list_requests=ListRequests(uow),
            list_mentorings=ListMentorings(uow),
            show_progress=ShowProgress(uow, clock),
            post_message=PostMessage(uow, clock, events),
            list_messages=ListMessages(uow),
            verify_user=VerifyUser(uow, recent),
            deactivate_user=DeactivateUser(uow, recent),
            reactivate_user=ReactivateUser(uow, recent),
            uow=uow,
        )
