"""Things a request leaves behind, written out together rather than one by one.

Counting a request for `/metrics` and logging its access line cost little each, but they cost
it on every request, inside the worker's only thread: written in batches, the per-item cost
mostly goes (docs/performance.md). `Batches` keeps what waits and hands it on to its writer
at most `seconds` after the first item arrived, at once when `size` wait, and whenever its
owner calls `flush` (before a scrape, when the worker stops).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Final, Generic, TypeVar

T = TypeVar("T")

# The longest the traces of a request wait to be written, and how many may wait.
FLUSH_SECONDS: Final = 0.25
FLUSH_BATCH: Final = 1000


class Batches(Generic[T]):
    """Items waiting for `write`. Outside an event loop nothing could write them later, so
    each is written at once."""

    __slots__ = ("_due_in", "_seconds", "_size", "_waiting", "_write")

    def __init__(self, write: Callable[[list[T]], None], *, seconds: float, size: int) -> None:
        self._write = write
        self._seconds = seconds
        self._size = size
        self._waiting: list[T] = []
        # The event loop in which a write is due, if one is.
        self._due_in: asyncio.AbstractEventLoop | None = None

    def add(self, item: T) -> None:
        self._waiting.append(item)
        if len(self._waiting) >= self._size:
            self.flush()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if self._due_in is not loop:  # none due, or due in a loop that has ended
            self._due_in = loop
            # In a context of its own: the write belongs to no request (no request id).
            loop.call_later(self._seconds, self._due, loop, context=contextvars.Context())

    def flush(self) -> None:
        """Write out what waits, now."""
        waiting, self._waiting = self._waiting, []
        if waiting:
            contextvars.Context().run(self._write, waiting)

    def _due(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._due_in is loop:
            self._due_in = None
            self.flush()
