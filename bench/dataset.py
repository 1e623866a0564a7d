"""The benchmark dataset in mentorat's database, laid out like the reference's seed.

User 1 `bench` has 20 accepted mentorings; mentoring 1 is the hot chat (a tenth of all
messages, spread over the whole id range: the skew that misleads PostgreSQL's planner);
mentoring 2 is an active chat the POST workload writes to. With `flat_messages`, one more
mentoring of user 1 gets that many messages, to check that a chat page costs the same
whatever the history size.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from mentorat.bootstrap import seed_bulk
from mentorat.settings import Settings


@dataclass
class Dataset:
    users: int = 2_000
    mentorings: int = 10_000
    messages: int = 1_000_000
    hot_messages: int = 100_000
    url: str = ""
    hot_mentoring_id: int = 1
    post_mentoring_id: int = 2
    post_messages: int = 0
    flat_mentoring_id: int = 0


def seed_mentorat(ds: Dataset, password: str, *, flat_messages: int = 0) -> dict[str, float]:
    """Migrate and fill `ds.url`; returns the seconds it took."""
    from mentorat.bootstrap import upgrade_database

    started = time.perf_counter()
    settings = Settings(database_url=ds.url, secret_key="bench", argon2_time_cost=1)
    upgrade_database(settings)
    info = asyncio.run(
        seed_bulk(
            settings,
            users=ds.users,
            mentorings=ds.mentorings,
            messages=ds.messages,
            hot_messages=ds.hot_messages,
        )
    )
    ds.hot_mentoring_id = int(info.get("hot_mentoring_id", 1))
    ds.post_mentoring_id = int(info.get("post_mentoring_id", 2))
    ds.post_messages = _count(ds.url, ds.post_mentoring_id)
    if flat_messages:
        ds.flat_mentoring_id = _add_flat_chat(ds.url, flat_messages)
    return {"seconds": time.perf_counter() - started}


def _count(url: str, mentoring_id: int) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM messages WHERE mentoring_id = %s", (mentoring_id,)
        ).fetchone()
    return int(row[0]) if row else 0


def _add_flat_chat(url: str, n: int) -> int:
    """A new active mentoring of user 1 holding `n` messages, written with generate_series."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT id FROM users WHERE id <> 1 AND is_mentor AND id NOT IN "
            "(SELECT mentor_id FROM mentorings WHERE mentee_id = 1 AND status IN "
            "('pending', 'active')) ORDER BY id DESC LIMIT 1"
        ).fetchone()
        assert row is not None, "no free mentor for the flat chat"
        mentor = int(row[0])
        created = conn.execute(
            "INSERT INTO mentorings (mentor_id, mentee_id, status, start_date, end_date, "
            "created_at, updated_at, accepted_at, message_count, last_message_at, version) "
            "VALUES (%s, 1, 'active', '2025-01-01', '2025-12-31', now(), now(), now(), %s, "
            "now(), 1) RETURNING id",
            (mentor, n),
        ).fetchone()
        assert created is not None
        mentoring = int(created[0])
        conn.execute("SET synchronous_commit = off")
        step = 1_000_000
        for lo in range(1, n + 1, step):
            hi = min(n, lo + step - 1)
            conn.execute(
                "INSERT INTO messages (mentoring_id, sender_id, body, created_at) "
                "SELECT %s, CASE WHEN g %% 2 = 0 THEN %s ELSE 1 END, "
                "'Flat chat message ' || g, now() "
                "FROM generate_series(%s::bigint, %s::bigint) AS g",
                (mentoring, mentor, lo, hi),
            )
        conn.execute("VACUUM ANALYZE messages")
    return mentoring
