"""A mentor's last place under simultaneous accepts, on real databases: exactly one wins."""

from __future__ import annotations

import asyncio

from mentorat.application.edit_profile import EditProfileCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.bootstrap import System, open_system
from mentorat.domain.errors import MentorAtCapacity
from tests.conftest import settings_for
from tests.sql.support import PASSWORD, a_pair, a_request, outcomes


async def test_of_eight_simultaneous_accepts_for_one_place_exactly_one_succeeds(
    system: System,
) -> None:
    app = system.mentorat
    mentor, first = await a_pair(system)
    await app.edit_profile(EditProfileCommand(mentor.id, capacity=1))
    mentees = [first] + [
        await app.register_user(RegisterCommand(f"mentee{i}", PASSWORD, "e@example.com"))
        for i in range(7)
    ]
    requests = [await a_request(system, mentor, mentee) for mentee in mentees]
    results = await asyncio.gather(
        *(app.respond_to_request(RespondCommand(r.id, mentor.id, accept=True)) for r in requests),
        return_exceptions=True,
    )
    assert outcomes(results) == {"ok": 1, "MentorAtCapacity": 7}
    profile = await app.show_profile(mentor.id)
    assert (profile.standing.active_mentees, profile.profile.capacity) == (1, 1)


async def test_workers_sharing_a_sqlite_file_never_exceed_a_capacity(sqlite_url: str) -> None:
    workers = [open_system(settings_for(sqlite_url)) for _ in range(3)]
    try:
        first = workers[0].mentorat
        mentor, mentee = await a_pair(workers[0])
        await first.edit_profile(EditProfileCommand(mentor.id, capacity=2))
        others = [
            await first.register_user(RegisterCommand(f"mentee{i}", PASSWORD, "e@example.com"))
            for i in range(5)
        ]
        requests = [await a_request(workers[0], mentor, m) for m in [mentee, *others]]
        results = await asyncio.gather(
            *(
                workers[i % 3].mentorat.respond_to_request(
                    RespondCommand(r.id, mentor.id, accept=True)
                )
                for i, r in enumerate(requests)
            ),
            return_exceptions=True,
        )
        assert outcomes(results) == {"ok": 2, "MentorAtCapacity": 4}
        assert all(isinstance(r, MentorAtCapacity) for r in results if isinstance(r, Exception))
    finally:
        for worker in workers:
            await worker.aclose()
