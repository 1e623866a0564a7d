"""A large deterministic dataset for benchmarks, loaded in bulk (`adapters.sql.bulk`)."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from mentorat.adapters.sql import bulk
from mentorat.demo.pools import BIO_WORDS, LANGUAGE_POOL, SKILL_POOL, ZONE_POOL
from mentorat.domain.chat import Message
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.matching import median_answer_time
from mentorat.domain.mentoring import Mentoring, Status
from mentorat.domain.profiles import MentorStanding, Profile
from mentorat.domain.users import User, UserId

BULK_USERNAME = "bench"
BULK_PASSWORD = "bench-pass-2025"
BULK_BENCH_MENTORINGS = 20
# How many skills user 1 wants: suggestions rank mentors by how many of them they have.
BULK_BENCH_WANTS = 4
_BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
_MESSAGES_START = datetime(2025, 1, 1, tzinfo=UTC)
_FILLER = (
    "Thanks for the pointers, I read the chapter on testing and tried the exercises; "
    "next week I want to look at async code, profiling and how to review a pull request."
)
_STATUSES = ("pending", "active", "rejected", "cancelled", "completed")
_STATUS_WEIGHTS = (30, 40, 10, 5, 15)


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """How many of each row to create. Ids are deterministic (1..n in every table).

    User 1, `bench`, is a mentor with up to 20 accepted mentorings (the first ids, half as
    mentee, half as mentor), and wants a few skills (so suggestions have work to do);
    mentoring 1 holds `hot_messages` messages spread evenly over the whole id range (the skewed
    chat), mentoring 2 is active (a target for posts). The other mentorings join random pairs
    in every status.

    `mentors`: how many users are mentors, spread evenly over the ids, user 1 among them (the
    directory's benchmark); None: every fifth user (1, 6, 11, ...).
    """

    users: int
    mentorings: int
    messages: int
    hot_messages: int
    seed: int = 42
    mentors: int | None = None

    def is_mentor(self, user: int) -> bool:
        """Whether user number `user` (1..users) is a mentor."""
        if self.mentors is None:
            return user % 5 == 1
        # Of the users 1..n, exactly `mentors` pass: (k * m) mod n takes each multiple of
        # gcd(m, n) below n equally often, and m / gcd of them are below m. User 1 (k = 0)
        # always does; with m = n / 5 this is the every-fifth rule.
        return (user - 1) * self.mentors % self.users < self.mentors

    def check(self) -> None:
        if min(self.users, self.mentorings, self.messages, self.hot_messages) < 0:
            raise ValueError("counts must not be negative")
        if self.hot_messages > self.messages:
            raise ValueError("hot_messages cannot exceed messages")
        if self.messages and not self.mentorings:
            raise ValueError("messages need at least one mentoring")
        if self.mentors is not None and not 1 <= self.mentors <= self.users:
            raise ValueError("mentors must be between 1 (the bench user) and the number of users")
        if self.mentorings and self.users < 7:
            raise ValueError("mentorings need at least 7 users (two mentors and their mentees)")
        pairs = len(_mentors(self)) * max(0, self.users - 2)
        if self.mentorings > pairs // 2:
            raise ValueError(
                f"{self.mentorings} mentorings need more users: {self.users} users allow "
                f"about {pairs // 2} distinct pairs"
            )


def _mentors(plan: BulkPlan) -> list[int]:
    """The mentors other than user 1 (bench, kept apart)."""
    return [i for i in range(2, plan.users + 1) if plan.is_mentor(i)]


def _users(plan: BulkPlan, password_hash: str) -> Iterator[User]:
    for i in range(1, plan.users + 1):
        name = BULK_USERNAME if i == 1 else f"user{i:05d}"
        yield User(
            id=UserId(i),
            username=name,
            email=f"{name}@example.com",
            password_hash=password_hash,
            first_name=f"First{i}",
            last_name=f"Last{i}",
            is_mentor=plan.is_mentor(i),
            phone_number=f"+33 6 {i:08d}" if i % 3 else None,
            is_verified=i % 2 == 0,
            is_active=True,
            joined_at=_BASE_TIME + timedelta(minutes=i),
        )


def _profiles(
    plan: BulkPlan, people: Sequence[User], chats: Sequence[Mentoring]
) -> Iterator[tuple[User, Profile, MentorStanding]]:
    """Every user's profile: mentors with varied skills, languages, time zones and capacities;
    mentees with the skills they want, and so user 1 (a mentor who asks for suggestions too).
    Standings are counted from the mentorings."""
    rnd = random.Random(plan.seed + 1)
    # A generator of its own, so that every other profile stays as it was without it.
    bench_wants = tuple(random.Random(plan.seed + 2).sample(SKILL_POOL, BULK_BENCH_WANTS))
    active: dict[int, int] = {}
    answers: dict[int, list[timedelta]] = {}
    for chat in chats:
        if chat.status is Status.ACTIVE:
            active[chat.mentor_id] = active.get(chat.mentor_id, 0) + 1
        if chat.accepted_at is not None:
            answers.setdefault(chat.mentor_id, []).append(chat.accepted_at - chat.created_at)
    for user in people:
        skills = tuple(rnd.sample(SKILL_POOL, rnd.randint(1, 5)))
        words = " ".join(rnd.sample(BIO_WORDS, 4))
        wanted = skills if not user.is_mentor else ()
        if user.id == 1:
            wanted = bench_wants
        profile = Profile(
            user.id,
            bio=f"{user.first_name}: {words}." if user.is_mentor else "",
            skills=skills if user.is_mentor else (),
            wanted_skills=wanted,
            languages=tuple(rnd.sample(LANGUAGE_POOL, rnd.randint(1, 2))),
            timezone=rnd.choice(ZONE_POOL),
            capacity=rnd.randint(1, 8),
        )
        standing = MentorStanding(
            active.get(user.id, 0), median_answer_time(answers.get(user.id, ()))
        )
        yield user, profile, standing


def _plan_mentorings(plan: BulkPlan) -> tuple[list[Mentoring], int]:
    rnd = random.Random(plan.seed)
    mentors = _mentors(plan)
    mentees = [i for i in range(2, plan.users + 1) if not plan.is_mentor(i)]
    bench = min(BULK_BENCH_MENTORINGS, plan.mentorings)
    while bench and (math.ceil(bench / 2) > len(mentors) or bench // 2 > len(mentees)):
        bench -= 1
    rows: list[Mentoring] = []
    pairs: set[tuple[int, int]] = set()

    def add(mentor: int, mentee: int, status: str) -> None:
        start = date(2024, 1, 1) + timedelta(days=rnd.randrange(0, 365))
        accepted = status in ("active", "completed") or (
            status == "cancelled" and rnd.random() < 0.5
        )
        end = start + timedelta(days=rnd.randrange(30, 366))
        rows.append(_mentoring(len(rows) + 1, mentor, mentee, status, start, end, accepted))
        pairs.add((mentor, mentee))

    as_mentee = math.ceil(bench / 2)
    for k in range(bench):
        if k < as_mentee:
            add(mentors[k], 1, "active" if k < 2 or k % 4 else "completed")
        else:
            add(1, mentees[k - as_mentee], "active" if k % 4 else "completed")
    while len(rows) < plan.mentorings:
        mentor = rnd.choice(mentors)
        mentee = rnd.randrange(2, plan.users + 1)
        if mentee == mentor or (mentor, mentee) in pairs:
            continue
        add(mentor, mentee, rnd.choices(_STATUSES, _STATUS_WEIGHTS)[0])
    return rows, bench


def _message_mentoring(g: int, plan: BulkPlan, stride: int) -> int:
    """Which mentoring message number g belongs to: every stride-th one is the hot chat's."""
    if plan.hot_messages and g % stride == 0 and g // stride <= plan.hot_messages:
        return 1
    if plan.mentorings == 1:
        return 1
    return 2 + (g * 7919) % (plan.mentorings - 1)


def _message_time(g: int) -> datetime:
    return _MESSAGES_START + timedelta(microseconds=g * 997_000 + 1 + g % 999_983)


def _message_text(g: int) -> str:
    return f"Message {g}: {_FILLER}"[: 24 + g % 90]


def _stride(plan: BulkPlan) -> int:
    return max(1, plan.messages // max(1, plan.hot_messages))


def _tally(plan: BulkPlan, chats: Sequence[Mentoring]) -> None:
    """Count each chat's messages and its last message time, which go on its row."""
    stride = _stride(plan)
    for g in range(1, plan.messages + 1):
        chat = chats[_message_mentoring(g, plan, stride) - 1]
        chat.message_count += 1
        chat.last_message_at = _message_time(g)


def _messages(plan: BulkPlan, chats: Sequence[Mentoring]) -> Iterator[Message]:
    """Every message, in id order and in time order."""
    stride = _stride(plan)
    for g in range(1, plan.messages + 1):
        chat = chats[_message_mentoring(g, plan, stride) - 1]
        sender = chat.mentor_id if (g + g // stride) % 2 == 0 else chat.mentee_id
        yield Message(MessageId(g), chat.id, sender, _message_text(g), _message_time(g))


def _mentoring(
    i: int, mentor: int, mentee: int, status: str, start: date, end: date, accepted: bool
) -> Mentoring:
    # With a fraction of a second, as every time the service itself records.
    created = _BASE_TIME + timedelta(days=300, seconds=i, microseconds=1 + i * 7919 % 999_983)
    return Mentoring(
        id=MentoringId(i),
        mentor_id=UserId(mentor),
        mentee_id=UserId(mentee),
        status=Status(status),
        start_date=start,
        end_date=end,
        created_at=created,
        updated_at=created if status == "pending" else created + timedelta(hours=2),
        accepted_at=created + timedelta(hours=1) if accepted else None,
    )


async def seed_bulk(
    engine: AsyncEngine, plan: BulkPlan, *, password_hash: str, replace: bool = False
) -> dict[str, float | int]:
    """Load the dataset `plan` describes (`adapters.sql.bulk.load`).

    Refuses (SeedRefused) when users exist, unless `replace`, which empties every table first.
    Returns the counts, the ids benchmarks need and the seconds it took.
    """
    plan.check()
    started = time.perf_counter()
    chats, bench = _plan_mentorings(plan)
    _tally(plan, chats)
    people = list(_users(plan, password_hash))
    await bulk.load(
        engine,
        (people, _profiles(plan, people, chats), chats, _messages(plan, chats)),
        replace=replace,
    )
    return {
        "users": plan.users,
        "mentorings": plan.mentorings,
        "messages": plan.messages,
        "hot_messages": chats[0].message_count if chats else 0,
        "bench_user_id": 1,
        "bench_mentorings": bench,
        "hot_mentoring_id": 1,
        "post_mentoring_id": 2,
        "seconds": round(time.perf_counter() - started, 2),
    }
