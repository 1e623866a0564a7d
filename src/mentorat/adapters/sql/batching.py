"""Posts to one chat that wait in this process are stored together, in one statement.

A post's statement holds its chat's row lock until its commit (ids grow in commit order), so
posts to one busy chat go through PostgreSQL one at a time: each waits for the one before it
to be written, committed and flushed to disk. Instead, while one post to a chat is on its way,
the next posts to that chat in this process wait here, and then go together: one statement,
one commit, one lock turn for all of them. Each still gets its own id, in the order the posts
arrived, and its own result.

The posts of one batch share a key (`chat_posts.py`: the chat and what the posts were decided
on), which is all `send` needs besides the posts; each post commits when its batch does,
exactly as it would alone. A batch that fails fails every post in it, with the same error.
Each post holds its request's connection while it waits, and the first post of a batch sends
the batch on its own connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

from mentorat.adapters.sql.statements import Runner
from mentorat.application.errors import StorageUnavailable

# A larger batch holds the chat's lock longer for the posts behind it; 64 posts of at most
# 4,000 characters are a statement of at most 1 MiB.
MAX_BATCH: Final = 64


@dataclass(eq=False, slots=True)
class Post:
    """One message waiting to be stored, and the connection its request holds.

    A post that leads a batch sends it on its own connection (`batch[0].run`), so no post ever
    waits longer than the bound its own connection's checkout set (`engine.py`): the posts it
    joined were sent on connections checked out before its own.
    """

    sender_id: int
    text: str
    at: datetime
    run: Runner
    # Set by the post that sends the batch: this post's stored row, or the batch's error; or,
    # for the first post left waiting, `_Lead`: it sends the next batch itself.
    outcome: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


@dataclass(frozen=True, slots=True)
class _Lead:
    batch: list[Post]


Stored = tuple[int, datetime]  # the message's id and date
K = TypeVar("K", bound=Hashable)


class ChatBatches(Generic[K]):
    """Per process: for each key with a batch on its way, the posts waiting for the next one.

    `send(key, batch)` stores one batch and returns what it stored, in the batch's order.
    """

    __slots__ = ("_send", "_waiting")

    def __init__(self, send: Callable[[K, list[Post]], Awaitable[list[Stored]]]) -> None:
        self._send = send
        self._waiting: dict[K, list[Post]] = {}

    async def store(self, key: K, post: Post) -> Stored:
        """Store `post` with whatever else waits under `key`."""
        waiting = self._waiting.get(key)
        if waiting is None:
            self._waiting[key] = []
            batch = [post]
        else:
            waiting.append(post)
            try:
                outcome = await post.outcome
            except asyncio.CancelledError:
                self._abandon(key, post)
                raise
            if not isinstance(outcome, _Lead):
                stored: Stored = outcome
                return stored
            batch = outcome.batch
        try:
            rows = await self._send(key, batch)
        except BaseException as error:
            self._next(key)
            # Cancelled mid-statement, the others cannot know whether their posts were stored.
            shared = error if isinstance(error, Exception) else StorageUnavailable()
            for other in batch[1:]:
                if not other.outcome.done():
                    other.outcome.set_exception(shared)
            raise
        # The next batch first: its sender runs before this batch's posts are answered, so
        # the database works on it while they are (the chat's lock is not left idle).
        self._next(key)
        for other, row in zip(batch[1:], rows[1:], strict=True):
            if not other.outcome.done():  # a post whose request was cancelled meanwhile
                other.outcome.set_result(row)
        return rows[0]

    def _next(self, key: K) -> None:
        """Hand what waits under `key` to the first of its posts still waiting, to send."""
        waiting = [p for p in self._waiting.pop(key) if not p.outcome.done()]
        if not waiting:
            return
        batch, rest = waiting[:MAX_BATCH], waiting[MAX_BATCH:]
        self._waiting[key] = rest
        batch[0].outcome.set_result(_Lead(batch))

    def _abandon(self, key: K, post: Post) -> None:
        """`post`'s request was cancelled while it waited; if it was handed the next batch to
        send, the batch goes to the next of its posts instead."""
        outcome = post.outcome
        if not outcome.done() or outcome.cancelled() or outcome.exception() is not None:
            return
        lead = outcome.result()
        if not isinstance(lead, _Lead):
            return
        others = [p for p in lead.batch[1:] if not p.outcome.done()]
        if others:
            others[0].outcome.set_result(_Lead(others))
        else:
            self._next(key)

    def __len__(self) -> int:
        """Chats with a batch on its way (0 when all is quiet)."""
        return len(self._waiting)
