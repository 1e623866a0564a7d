"""Data for demos and benchmarks: the seed's example data, and a large deterministic dataset."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mentorat.adapters.sql.engine import SQLITE_BEGIN
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.domain.users import username_key

# --- the seed document's example data ----------------------------------------------------------

DEMO_PASSWORD = "Pass123!@"
DEMO_OWNER = RegisterCommand(
    username="owner",
    password=DEMO_PASSWORD,
    email="ll@rajapi.com",
    first_name="Project",
    last_name="Owner",
)
DEMO_MENTOR = RegisterCommand(
    username="Mentor_2",
    password=DEMO_PASSWORD,
    email="mentor_2@example.com",
    first_name="Mentor",
    last_name="Two",
    is_mentor=True,
    phone_number=None,
)
DEMO_PERIOD = (date(2024, 1, 1), date(2024, 12, 31))
# (sent by the mentee?, text)
DEMO_CHAT = (
    (True, "Hello! Thank you for accepting to mentor me this year."),
    (False, "With pleasure. What would you like to start with?"),
    (True, "I would like to structure how I learn Python and REST APIs."),
    (False, "Good plan: one goal a month, and we check in here every week."),
)


async def seed_demo(mentorat: Mentorat) -> bool:
    """Load the example data through the use cases; False when `owner` already exists.

    `owner` (password `Pass123!@`) asks the verified mentor `Mentor_2` (no phone number) for
    a mentoring over 2024, `Mentor_2` accepts, and the two exchange a few messages.
    """
    async with mentorat.uow(write=False) as tx:
        if await tx.users.get_by_username(DEMO_OWNER.username) is not None:
            return False
    owner = await mentorat.register_user(DEMO_OWNER)
    mentor = await mentorat.register_user(DEMO_MENTOR)
    await mentorat.verify_user(mentor.username)
    start, end = DEMO_PERIOD
    mentoring = await mentorat.request_mentoring(
        RequestMentoringCommand(
            caller_id=owner.id, mentor_id=mentor.id, start_date=start, end_date=end
        )
    )
    await mentorat.respond_to_request(RespondCommand(mentoring.id, mentor.id, accept=True))
    for by_mentee, text in DEMO_CHAT:
        sender = owner.id if by_mentee else mentor.id
        await mentorat.post_message(PostMessageCommand(mentoring.id, sender, text))
    await mentorat.list_messages(ListMessagesQuery(mentoring.id, owner.id))
    return True


# --- the benchmark dataset ---------------------------------------------------------------------


class SeedRefused(Exception):
    """The database already holds users and replacing them was not asked for."""


BULK_USERNAME = "bench"
BULK_PASSWORD = "bench-pass-2025"
BULK_BENCH_MENTORINGS = 20
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
    mentee, half as mentor); mentoring 1 holds `hot_messages` messages spread evenly over the
    whole id range (the skewed chat), mentoring 2 is active (a target for posts). The other
    mentorings join random pairs in every status.
    """

    users: int
    mentorings: int
    messages: int
    hot_messages: int
    seed: int = 42

    def check(self) -> None:
        if min(self.users, self.mentorings, self.messages, self.hot_messages) < 0:
            raise ValueError("counts must not be negative")
        if self.hot_messages > self.messages:
            raise ValueError("hot_messages cannot exceed messages")
        if self.messages and not self.mentorings:
            raise ValueError("messages need at least one mentoring")
        if self.mentorings and self.users < 7:
            raise ValueError("mentorings need at least 7 users (two mentors and their mentees)")
        pairs = len(_mentors(self.users)) * max(0, self.users - 2)
        if self.mentorings > pairs // 2:
            raise ValueError(
                f"{self.mentorings} mentorings need more users: {self.users} users allow "
                f"about {pairs // 2} distinct pairs"
            )


def _mentors(users: int) -> list[int]:
    # Every fifth user is a mentor: user 1 (bench, kept apart) and these.
    return [i for i in range(6, users + 1) if i % 5 == 1]


def _timestamp(at: datetime) -> str:
    return at.isoformat(" ", "microseconds")


def _sqlite_timestamp(at: datetime) -> str:
    return at.replace(tzinfo=None).isoformat(" ", "microseconds")


def _user_rows(plan: BulkPlan, password_hash: str) -> list[tuple[Any, ...]]:
    rows = []
    for i in range(1, plan.users + 1):
        name = BULK_USERNAME if i == 1 else f"user{i:05d}"
        rows.append(
            (
                i,
                name,
                username_key(name),
                f"{name}@example.com",
                password_hash,
                f"First{i}",
                f"Last{i}",
                i % 5 == 1,
                f"+33 6 {i:08d}" if i % 3 else None,
                i % 2 == 0,
                True,
                _BASE_TIME + timedelta(minutes=i),
            )
        )
    return rows


@dataclass(slots=True)
class _Mentoring:
    id: int
    mentor_id: int
    mentee_id: int
    status: str
    start_date: date
    end_date: date
    accepted: bool
    message_count: int = 0
    last_message_at: datetime | None = None


def _plan_mentorings(plan: BulkPlan) -> tuple[list[_Mentoring], int]:
    rnd = random.Random(plan.seed)
    mentors = _mentors(plan.users)
    mentees = [i for i in range(2, plan.users + 1) if i % 5 != 1]
    bench = min(BULK_BENCH_MENTORINGS, plan.mentorings)
    while bench and (math.ceil(bench / 2) > len(mentors) or bench // 2 > len(mentees)):
        bench -= 1
    rows: list[_Mentoring] = []
    pairs: set[tuple[int, int]] = set()

    def add(mentor: int, mentee: int, status: str) -> None:
        start = date(2024, 1, 1) + timedelta(days=rnd.randrange(0, 365))
        accepted = status in ("active", "completed") or (
            status == "cancelled" and rnd.random() < 0.5
        )
        end = start + timedelta(days=rnd.randrange(30, 366))
        rows.append(_Mentoring(len(rows) + 1, mentor, mentee, status, start, end, accepted))
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


def _tally(plan: BulkPlan, chats: Sequence[_Mentoring]) -> None:
    """Count each chat's messages and its last message time, which go on its row."""
    stride = _stride(plan)
    for g in range(1, plan.messages + 1):
        chat = chats[_message_mentoring(g, plan, stride) - 1]
        chat.message_count += 1
        chat.last_message_at = _message_time(g)


def _messages(
    plan: BulkPlan, chats: Sequence[_Mentoring]
) -> Iterator[tuple[int, int, int, str, datetime]]:
    """(id, mentoring_id, sender_id, text, created_at), in id order and in time order."""
    stride = _stride(plan)
    for g in range(1, plan.messages + 1):
        chat = chats[_message_mentoring(g, plan, stride) - 1]
        sender = chat.mentor_id if (g + g // stride) % 2 == 0 else chat.mentee_id
        yield g, chat.id, sender, _message_text(g), _message_time(g)


def _mentoring_row(m: _Mentoring) -> tuple[Any, ...]:
    # With a fraction of a second, as every time the service itself records.
    created = _BASE_TIME + timedelta(days=300, seconds=m.id, microseconds=1 + m.id * 7919 % 999_983)
    accepted = created + timedelta(hours=1) if m.accepted else None
    updated = created if m.status == "pending" else created + timedelta(hours=2)
    return (
        m.id,
        m.mentor_id,
        m.mentee_id,
        m.status,
        m.start_date,
        m.end_date,
        created,
        updated,
        accepted,
        m.message_count,
        m.last_message_at,
        1,
    )


USER_FIELDS = (
    "id, username, username_key, email, password_hash, first_name, last_name, is_mentor, "
    "phone_number, is_verified, is_active, joined_at"
)
MENTORING_FIELDS = (
    "id, mentor_id, mentee_id, status, start_date, end_date, created_at, updated_at, "
    "accepted_at, message_count, last_message_at, version"
)
MESSAGE_FIELDS = "id, mentoring_id, sender_id, body, created_at"
_TABLES = ("login_failures", "messages", "mentorings", "users")


async def seed_bulk(
    engine: AsyncEngine, plan: BulkPlan, *, password_hash: str, replace: bool = False
) -> dict[str, float | int]:
    """Create the dataset `plan` describes: COPY on PostgreSQL, executemany on SQLite.

    Refuses (SeedRefused) when users exist, unless `replace`, which empties every table first.
    Returns the counts, the ids benchmarks need and the seconds it took.
    """
    plan.check()
    started = time.perf_counter()
    chats, bench = _plan_mentorings(plan)
    _tally(plan, chats)
    postgresql = engine.dialect.name == "postgresql"
    async with engine.connect() as conn:
        if not postgresql:
            await conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        async with conn.begin():
            result = await conn.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM users)")
            if result.scalar():
                if not replace:
                    raise SeedRefused(
                        "the database already holds users: seed an empty database, or pass "
                        "replace=True to empty every table first"
                    )
                await _empty(conn, postgresql)
            if postgresql:
                await _copy_all(conn, plan, chats, password_hash)
            else:
                await _insert_all(conn, plan, chats, password_hash)
        hot = chats[0].message_count if chats else 0
        await _analyze(conn, postgresql)
    return {
        "users": plan.users,
        "mentorings": plan.mentorings,
        "messages": plan.messages,
        "hot_messages": hot,
        "bench_user_id": 1,
        "bench_mentorings": bench,
        "hot_mentoring_id": 1,
        "post_mentoring_id": 2,
        "seconds": round(time.perf_counter() - started, 2),
    }


async def _empty(conn: AsyncConnection, postgresql: bool) -> None:
    if postgresql:
        await conn.exec_driver_sql(f"TRUNCATE {', '.join(_TABLES)} RESTART IDENTITY CASCADE")
    else:
        for table in _TABLES:
            await conn.exec_driver_sql(f"DELETE FROM {table}")


async def _analyze(conn: AsyncConnection, postgresql: bool) -> None:
    if postgresql:
        # VACUUM cannot run inside a transaction; it also sets the visibility map that lets
        # chat pages be answered from the index alone.
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("users", "mentorings", "messages"):
            await conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    else:
        async with conn.begin():
            await conn.exec_driver_sql("ANALYZE")


# --- PostgreSQL: COPY ---------------------------------------------------------------------------

_COPY_CHUNK = 20_000


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return str(value)


def _copy_lines(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    buffer: list[str] = []
    for row in rows:
        buffer.append("\t".join(_copy_value(v) for v in row) + "\n")
        if len(buffer) >= _COPY_CHUNK:
            yield "".join(buffer)
            buffer.clear()
    if buffer:
        yield "".join(buffer)


def _fast_message_lines(messages: Iterator[tuple[int, int, int, str, datetime]]) -> Iterator[str]:
    # The generic _copy_value path costs a third of the seeding time at a million rows; the
    # generated texts need no escaping.
    buffer: list[str] = []
    for g, chat, sender, body, at in messages:
        buffer.append(f"{g}\t{chat}\t{sender}\t{body}\t{at.isoformat(' ', 'microseconds')}\n")
        if len(buffer) >= _COPY_CHUNK:
            yield "".join(buffer)
            buffer.clear()
    if buffer:
        yield "".join(buffer)


async def _copy(conn: AsyncConnection, table: str, fields: str, chunks: Iterator[str]) -> None:
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    async with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table} ({fields}) FROM STDIN") as copy,
    ):
        for chunk in chunks:
            await copy.write(chunk)


async def _copy_all(
    conn: AsyncConnection, plan: BulkPlan, chats: list[_Mentoring], password_hash: str
) -> None:
    # A bulk load is one long statement per table: the service's statement timeout would
    # cancel it, and waiting for the WAL flush of each batch buys nothing here.
    await conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    await conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
    await _copy(conn, "users", USER_FIELDS, _copy_lines(iter(_user_rows(plan, password_hash))))
    await _copy(conn, "mentorings", MENTORING_FIELDS, _copy_lines(_mentoring_row(m) for m in chats))
    await _copy(conn, "messages", MESSAGE_FIELDS, _fast_message_lines(_messages(plan, chats)))
    # Ids were given explicitly: move each identity past them for the rows to come.
    for table in ("users", "mentorings", "messages"):
        await conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
        )


# --- SQLite: executemany -----------------------------------------------------------------------

_INSERT_BATCH = 50_000


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        _sqlite_timestamp(v)
        if isinstance(v, datetime)
        else v.isoformat()
        if isinstance(v, date)
        else v
        for v in row
    )


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _INSERT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def _insert_many(
    conn: AsyncConnection, table: str, fields: str, rows: Iterator[tuple[Any, ...]]
) -> None:
    marks = ", ".join("?" for _ in fields.split(","))
    sql = f"INSERT INTO {table} ({fields}) VALUES ({marks})"
    for batch in _batches(rows):
        await conn.exec_driver_sql(sql, batch)


async def _insert_all(
    conn: AsyncConnection, plan: BulkPlan, chats: list[_Mentoring], password_hash: str
) -> None:
    users = (_sqlite_row(r) for r in _user_rows(plan, password_hash))
    await _insert_many(conn, "users", USER_FIELDS, users)
    await _insert_many(
        conn, "mentorings", MENTORING_FIELDS, (_sqlite_row(_mentoring_row(m)) for m in chats)
    )
    messages = (
        (g, chat, sender, body, _sqlite_timestamp(at))
        for g, chat, sender, body, at in _messages(plan, chats)
    )
    await _insert_many(conn, "messages", MESSAGE_FIELDS, messages)
