"""A small least-recently-used map: the one shape of every per-process cache."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """At most `max_entries` values, the least recently used first out; 0 keeps nothing."""

    __slots__ = ("_entries", "_max")

    def __init__(self, max_entries: int) -> None:
        self._max = max(0, max_entries)
        self._entries: OrderedDict[K, V] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._max > 0

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        if not self._max:
            return
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)
