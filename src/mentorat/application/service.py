"""`Mentorat`: every use case, wired to one set of ports. What adapters and library users call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from mentorat.application.edit_profile import EditProfile, ShowProfile
from mentorat.application.end_mentoring import EndMentoring
from mentorat.application.event_hub import EventHub, FeedSettings, LocalWakeups
from mentorat.application.expire_requests import ExpireRequests
from mentorat.application.find_mentors import SearchMentors, SuggestMentors
from mentorat.application.follow_events import FollowEvents
from mentorat.application.idempotency import DEFAULT_LEASE, WriteOnce
from mentorat.application.identify_caller import IdentifyCaller, RecentCallers
from mentorat.application.import_accounts import ImportAccounts
from mentorat.application.list_mentorings import ListMentorings
from mentorat.application.list_messages import ListMessages
from mentorat.application.list_requests import ListRequests
from mentorat.application.list_users import ListUsers
from mentorat.application.manage_goals import (
    AddGoal,
    DeleteGoal,
    EditGoal,
    ListGoals,
    ReorderGoals,
)
from mentorat.application.manage_passwords import ChangePassword, SetTemporaryPassword
from mentorat.application.manage_sessions import LogOut, VerifyToken
from mentorat.application.manage_users import (
    DeactivateUser,
    DemoteUser,
    PromoteUser,
    ReactivateUser,
    UnverifyUser,
    VerifyUser,
)
from mentorat.application.mark_chat_read import MarkChatRead
from mentorat.application.obtain_tokens import ObtainTokens
from mentorat.application.personal_data import ErasePerson, ExportPersonalData
from mentorat.application.ports import (
    UNTALLIED,
    ChatPosts,
    Clock,
    EventPublisher,
    LoginThrottle,
    OutboxWakeups,
    PasswordHasher,
    RegistrationThrottle,
    Tally,
    Tokens,
    UnitOfWork,
)
from mentorat.application.post_message import PostInTransaction, PostMessage
from mentorat.application.prune_events import PruneEvents
from mentorat.application.read_audit import ReadAudit
from mentorat.application.refresh_access import RefreshAccess, RefreshTokens
from mentorat.application.register_user import RegisterUser
from mentorat.application.request_mentoring import RequestMentoring
from mentorat.application.respond_to_request import RespondToRequest
from mentorat.application.show_progress import ShowProgress
from mentorat.application.show_statistics import ShowStatistics
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL

DEFAULT_EVENT_RETENTION: Final = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Mentorat:
    register_user: RegisterUser
    obtain_tokens: ObtainTokens
    refresh_access: RefreshAccess
    refresh_tokens: RefreshTokens
    identify_caller: IdentifyCaller
    change_password: ChangePassword
    log_out: LogOut
    verify_token: VerifyToken
    show_profile: ShowProfile
    edit_profile: EditProfile
    search_mentors: SearchMentors
    suggest_mentors: SuggestMentors
    request_mentoring: RequestMentoring
    respond_to_request: RespondToRequest
    end_mentoring: EndMentoring
    expire_requests: ExpireRequests
    list_requests: ListRequests
    list_mentorings: ListMentorings
    show_progress: ShowProgress
    post_message: PostMessage
    list_messages: ListMessages
    list_goals: ListGoals
    add_goal: AddGoal
    edit_goal: EditGoal
    delete_goal: DeleteGoal
    reorder_goals: ReorderGoals
    verify_user: VerifyUser
    deactivate_user: DeactivateUser
    reactivate_user: ReactivateUser
    unverify_user: UnverifyUser
    promote_user: PromoteUser
    demote_user: DemoteUser
    set_temporary_password: SetTemporaryPassword
    list_users: ListUsers
    show_statistics: ShowStatistics
    read_audit: ReadAudit
    export_personal_data: ExportPersonalData
    erase_person: ErasePerson
    import_accounts: ImportAccounts
    mark_chat_read: MarkChatRead
    follow_events: FollowEvents
    prune_events: PruneEvents
    uow: UnitOfWork
    write_once: WriteOnce
    events_hub: EventHub

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
        posts: ChatPosts | None = None,
        registrations: RegistrationThrottle | None = None,
        rotate_refresh_tokens: bool = False,
        caller_cache_seconds: float = 0,
        idempotency_lease: timedelta = DEFAULT_LEASE,
        request_ttl: timedelta = DEFAULT_REQUEST_TTL,
        tally: Tally = UNTALLIED,
        wakeups: OutboxWakeups | None = None,
        feed: FeedSettings | None = None,
        event_retention: timedelta = DEFAULT_EVENT_RETENTION,
    ) -> Mentorat:
        """Every use case on these ports.

        `rotate_refresh_tokens`: each refresh hands out a new refresh token and spends the old
        one, which then no longer works (off by default, as in SimpleJWT).
        `caller_cache_seconds`: how long an authenticated caller's active state is reused
        without asking the store (0, the default, asks every time). A deactivation made by
        another process then takes up to that long to refuse the user's tokens here; see
        `RecentCallers`.
        `posts`: how chat posts without an idempotency key are stored, when the store has a
        faster way than a unit of work each (`PostInTransaction`, the default).
        `idempotency_lease`: how long a claimed idempotency key may stay claimed before
        another request may take it over (see `WriteOnce`).
        `request_ttl`: how long a pending request waits for its mentor before it expires.
        `registrations`: how many accounts one client address may register (None: no bound).
        `tally`: counts failed and throttled logins, idempotent replays, open event streams and
        the outbox's lag (metrics).
        `wakeups`: what tells this process's outbox reader that events were committed (None:
        only its polls, every `feed.poll_seconds`); `feed`: see `FeedSettings`.
        `event_retention`: how long the outbox keeps an event (`PruneEvents`).
        """
        recent = RecentCallers(caller_cache_seconds)
        refresh_tokens = RefreshTokens(uow, tokens, clock, rotate=rotate_refresh_tokens)
        write_once = WriteOnce(uow, clock, idempotency_lease, tally=tally)
        prune_events = PruneEvents(uow, clock, event_retention)
        hub = EventHub(
            uow, wakeups or LocalWakeups(), feed, prune=prune_events, clock=clock, tally=tally
        )
        return cls(
            register_user=RegisterUser(uow, hasher, clock, registrations),
            obtain_tokens=ObtainTokens(uow, hasher, tokens, throttle, clock, tally),
            refresh_access=RefreshAccess(refresh_tokens),
            refresh_tokens=refresh_tokens,
            identify_caller=IdentifyCaller(uow, tokens, clock, recent),
            change_password=ChangePassword(uow, hasher, tokens, throttle, clock, recent),
            log_out=LogOut(uow, tokens, clock),
            verify_token=VerifyToken(uow, tokens, clock),
            show_profile=ShowProfile(uow),
            edit_profile=EditProfile(uow),
            search_mentors=SearchMentors(uow),
            suggest_mentors=SuggestMentors(uow, clock),
            request_mentoring=RequestMentoring(write_once, clock, events, request_ttl),
            respond_to_request=RespondToRequest(uow, clock, events, request_ttl),
            end_mentoring=EndMentoring(write_once, clock, events, request_ttl),
            expire_requests=ExpireRequests(uow, clock, events, request_ttl),
            list_requests=ListRequests(uow, clock, request_ttl),
            list_mentorings=ListMentorings(uow),
            show_progress=ShowProgress(uow, clock),
            post_message=PostMessage(
                posts or PostInTransaction(uow), write_once, clock, events, request_ttl
            ),
            list_messages=ListMessages(uow),
            list_goals=ListGoals(uow),
            add_goal=AddGoal(write_once, clock),
            edit_goal=EditGoal(uow, clock),
            delete_goal=DeleteGoal(uow, clock),
            reorder_goals=ReorderGoals(uow, clock),
            verify_user=VerifyUser(uow, clock, recent),
            deactivate_user=DeactivateUser(uow, clock, recent),
            reactivate_user=ReactivateUser(uow, clock, recent),
            unverify_user=UnverifyUser(uow, clock, recent),
            promote_user=PromoteUser(uow, clock, recent),
            demote_user=DemoteUser(uow, clock, recent),
            set_temporary_password=SetTemporaryPassword(uow, hasher, clock, recent),
            list_users=ListUsers(uow),
            show_statistics=ShowStatistics(uow, clock, request_ttl),
            read_audit=ReadAudit(uow),
            export_personal_data=ExportPersonalData(uow, clock),
            erase_person=ErasePerson(uow, hasher, clock, events, recent, request_ttl),
            import_accounts=ImportAccounts(uow),
            mark_chat_read=MarkChatRead(uow, clock),
            follow_events=FollowEvents(uow, hub, clock),
            prune_events=prune_events,
            uow=uow,
            write_once=write_once,
            events_hub=hub,
        )
