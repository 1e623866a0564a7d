"""`Lru`: the least-recently-used map behind every per-process cache."""

from __future__ import annotations

from mentorat.application.lru import Lru


def filled(max_entries: int, *keys: str) -> Lru[str, int]:
    lru: Lru[str, int] = Lru(max_entries)
    for n, key in enumerate(keys, start=1):
        lru.put(key, n)
    return lru


def test_a_value_put_is_got_back_and_a_missing_key_gives_none() -> None:
    lru = filled(3, "a", "b")
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (1, 2, None)
    assert len(lru) == 2
    assert lru.enabled


def test_past_its_bound_the_least_recently_put_goes_first() -> None:
    lru = filled(2, "a", "b", "c")
    assert len(lru) == 2
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (None, 2, 3)


def test_getting_a_value_makes_it_the_most_recently_used() -> None:
    lru = filled(2, "a", "b")
    assert lru.get("a") == 1
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (1, None, 3)


def test_putting_a_key_again_replaces_its_value_and_makes_it_the_most_recently_used() -> None:
    lru = filled(2, "a", "b")
    lru.put("a", 10)
    lru.put("c", 3)
    assert len(lru) == 2
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (10, None, 3)


def test_a_miss_changes_nothing_in_the_order() -> None:
    lru = filled(2, "a", "b")
    assert lru.get("z") is None
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (None, 2, 3)


def test_a_popped_key_is_gone_and_frees_its_place() -> None:
    lru = filled(2, "a", "b")
    lru.pop("a")
    assert (len(lru), lru.get("a")) == (1, None)
    lru.put("c", 3)
    assert (lru.get("b"), lru.get("c")) == (2, 3)


def test_popping_a_missing_key_does_nothing() -> None:
    lru = filled(2, "a")
    lru.pop("z")
    lru.pop("z")
    assert (len(lru), lru.get("a")) == (1, 1)
    empty: Lru[str, int] = Lru(2)
    empty.pop("a")
    assert len(empty) == 0


def test_a_bound_of_zero_keeps_nothing() -> None:
    lru = filled(0, "a", "b")
    assert not lru.enabled
    assert len(lru) == 0
    assert lru.get("a") is None


def test_a_negative_bound_keeps_nothing_either() -> None:
    lru = filled(-1, "a")
    assert not lru.enabled
    assert (len(lru), lru.get("a")) == (0, None)


def test_a_bound_of_one_keeps_only_the_last_value_put() -> None:
    lru = filled(1, "a", "b")
    assert (len(lru), lru.get("a"), lru.get("b")) == (1, None, 2)
