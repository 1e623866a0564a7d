"""A profile edit and an administrator's act on the same user, at once: neither is undone."""

from __future__ import annotations

import asyncio

from mentorat.application.edit_profile import EditProfileCommand
from mentorat.bootstrap import System
from tests.sql.support import a_pair


async def test_an_edit_racing_a_deactivation_never_reactivates_the_user(system: System) -> None:
    app = system.mentorat
    mentor, _ = await a_pair(system)
    for round_ in range(10):
        await app.reactivate_user(mentor.username)
        edits = [app.edit_profile(EditProfileCommand(mentor.id, bio=f"round {round_}"))]
        results = await asyncio.gather(
            *edits, app.deactivate_user(mentor.username), return_exceptions=True
        )
        async with app.uow(write=False) as tx:
            stored = await tx.users.get(mentor.id)
        assert stored is not None
        assert not stored.is_active, (round_, results)


async def test_an_edit_racing_a_verification_keeps_both(system: System) -> None:
    app = system.mentorat
    mentor, _ = await a_pair(system)
    await asyncio.gather(
        app.edit_profile(EditProfileCommand(mentor.id, first_name="Claire")),
        app.verify_user(mentor.username),
    )
    async with app.uow(write=False) as tx:
        stored = await tx.users.get(mentor.id)
    assert stored is not None
    assert (stored.first_name, stored.is_verified) == ("Claire", True)
