"""Read models the use cases return: plain values, safe to hand to any adapter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from mentorat.domain.chat import Message, MessagePage
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.goals import Goal, GoalId
from mentorat.domain.mentoring import Mentoring, Status
from mentorat.domain.profiles import MentorStanding, Profile
from mentorat.domain.progress import Progress
from mentorat.domain.users import User, UserId


@dataclass(frozen=True, slots=True)
class UserView:
    id: UserId
    username: str
    email: str
    first_name: str
    last_name: str
    is_mentor: bool
    phone_number: str | None
    is_verified: bool
    is_active: bool
    is_staff: bool = False
    must_change_password: bool = False
    # The earliest `iat` the user's tokens may carry (see `User.tokens_valid_since`).
    tokens_valid_since: int = 0

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            id=user.id,
            username=user.username,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            is_mentor=user.is_mentor,
            phone_number=user.phone_number,
            is_verified=user.is_verified,
            is_active=user.is_active,
            is_staff=user.is_staff,
            must_change_password=user.must_change_password,
            tokens_valid_since=user.tokens_valid_since,
        )


@dataclass(frozen=True, slots=True)
class AccountView:
    """An account as an administrator sees it: the user, and what only administrators read."""

    user: UserView
    joined_at: datetime
    password_changed_at: datetime | None

    @classmethod
    def of(cls, user: User) -> AccountView:
        return cls(UserView.of(user), user.joined_at, user.password_changed_at)


@dataclass(frozen=True, slots=True)
class ProfileView:
    """A person's own account details with their profile and, for a mentor, their standing."""

    user: UserView
    profile: Profile
    standing: MentorStanding

    @classmethod
    def of(cls, user: User, profile: Profile, standing: MentorStanding) -> ProfileView:
        return cls(UserView.of(user), profile, standing)


@dataclass(frozen=True, slots=True)
class MentoringView:
    id: MentoringId
    mentor_id: UserId
    mentee_id: UserId
    status: Status
    start_date: date
    end_date: date
    created_at: datetime
    updated_at: datetime
    end_reason: str | None = None
    # In the caller's lists only: how many of its messages come after the caller's read mark.
    unread: int | None = None

    @classmethod
    def of(cls, mentoring: Mentoring, unread: int | None = None) -> MentoringView:
        return cls(
            id=mentoring.id,
            mentor_id=mentoring.mentor_id,
            mentee_id=mentoring.mentee_id,
            status=mentoring.status,
            start_date=mentoring.start_date,
            end_date=mentoring.end_date,
            created_at=mentoring.created_at,
            updated_at=mentoring.updated_at,
            end_reason=mentoring.end_reason,
            unread=unread,
        )


@dataclass(frozen=True, slots=True)
class ProgressView:
    mentoring: MentoringView
    mentee: UserView
    mentor: UserView
    progress: Progress


@dataclass(frozen=True, slots=True)
class MessageView:
    id: MessageId
    mentoring_id: MentoringId
    sender_id: UserId
    message: str
    created_at: datetime

    @classmethod
    def of(cls, message: Message) -> MessageView:
        return cls(
            id=message.id,
            mentoring_id=message.mentoring_id,
            sender_id=message.sender_id,
            message=message.text,
            created_at=message.created_at,
        )


@dataclass(frozen=True, slots=True)
class MessagePageView:
    messages: list[MessageView]
    limit: int
    older_cursor: MessageId | None
    newer_cursor: MessageId | None

    @classmethod
    def of(cls, page: MessagePage, limit: int) -> MessagePageView:
        return cls(
            messages=[MessageView.of(m) for m in page.messages],
            limit=limit,
            older_cursor=page.older_cursor,
            newer_cursor=page.newer_cursor,
        )


@dataclass(frozen=True, slots=True)
class GoalView:
    id: GoalId
    mentoring_id: MentoringId
    title: str
    due_date: date | None
    done: bool
    position: int
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None

    @classmethod
    def of(cls, goal: Goal) -> GoalView:
        return cls(
            id=goal.id,
            mentoring_id=goal.mentoring_id,
            title=goal.title,
            due_date=goal.due_date,
            done=goal.done,
            position=goal.position,
            created_at=goal.created_at,
            updated_at=goal.updated_at,
            done_at=goal.done_at,
        )
