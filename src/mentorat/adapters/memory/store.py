"""What the memory adapters keep: one store, shared by the units of work that share data.

Entities cross the boundary as copies: changing a loaded object changes nothing until it is
saved. Every change is logged for undoing (`Undo`), so that a transaction is all or nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from mentorat.application.idempotency import IdempotencyRecord
from mentorat.application.ports import StoredEvent
from mentorat.domain.audit import AuditEntry
from mentorat.domain.chat import Message
from mentorat.domain.events import MentoringId
from mentorat.domain.goals import Goal, GoalId
from mentorat.domain.mentoring import Mentoring
from mentorat.domain.profiles import MentorStanding, Profile
from mentorat.domain.users import User, UserId


@dataclass
class InMemoryStore:
    """Everything the memory adapters keep; share one between units of work to share data."""

    users: dict[UserId, User] = field(default_factory=dict)
    usernames: dict[str, UserId] = field(default_factory=dict)
    # Every user's profile and standing, from registration on (`InMemoryUsers.add`).
    profiles: dict[UserId, Profile] = field(default_factory=dict)
    standings: dict[UserId, MentorStanding] = field(default_factory=dict)
    mentorings: dict[MentoringId, Mentoring] = field(default_factory=dict)
    messages: dict[MentoringId, list[Message]] = field(default_factory=dict)
    goals: dict[GoalId, Goal] = field(default_factory=dict)
    # Both oldest first, as long as the clock only moves forward: pruning reads the front.
    idempotency: dict[tuple[UserId, str], IdempotencyRecord] = field(default_factory=dict)
    used_refresh_tokens: dict[str, datetime] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    # (mentoring, reader) -> (the last message id read, the chat's count of messages up to it).
    chat_reads: dict[tuple[MentoringId, UserId], tuple[int, int]] = field(default_factory=dict)
    # The outbox, by id ascending (`InMemoryOutbox`).
    outbox: dict[int, StoredEvent] = field(default_factory=dict)
    last_ids: dict[str, int] = field(
        default_factory=lambda: {
            "user": 0,
            "mentoring": 0,
            "msg": 0,
            "goal": 0,
            "audit": 0,
            "event": 0,
        }
    )
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Called after each commit that recorded events (`OutboxWakeups.poke` of the readers).
    on_events: list[Callable[[], None]] = field(default_factory=list)

    def next_id(self, kind: str) -> int:
        # Like a database sequence: an id is never handed out twice, even after a rollback.
        self.last_ids[kind] += 1
        return self.last_ids[kind]


def copy_user(user: User) -> User:
    return dataclasses.replace(user)


def copy_mentoring(mentoring: Mentoring) -> Mentoring:
    return dataclasses.replace(mentoring, events=[])


def copy_goal(goal: Goal) -> Goal:
    return dataclasses.replace(goal)


Undo = list[Callable[[], None]]
