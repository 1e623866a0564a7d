"""CPU time and memory of a process tree, read from /proc (Linux only)."""

from __future__ import annotations

import os
from dataclasses import dataclass

_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ProcSample:
    pid: int
    cpu_seconds: float
    rss_bytes: int


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return found


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(_children(p))
    return pids


def sample(pid: int) -> ProcSample | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm") as f:
            rss_pages = int(f.read().split()[1])
    except OSError:
        return None
    utime, stime = int(fields[11]), int(fields[12])
    return ProcSample(pid, (utime + stime) / _TICK, rss_pages * _PAGE)


def sample_tree(pid: int) -> dict[int, ProcSample]:
    return {s.pid: s for p in tree(pid) if (s := sample(p)) is not None}


def postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() in ("postgres", "postmaster"):
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL process now alive."""
    return {p: s.cpu_seconds for p in postgres_pids() if (s := sample(p)) is not None}


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two samples: backends that started meanwhile count from zero, and
    those that exited are lost (so keep connections pooled while measuring)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
