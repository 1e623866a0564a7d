"""What every store promises about expiry, end reasons and paged lists (memory, SQLite,
PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorat.application.ports import UnitOfWork
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Role, Status
from tests.contract.support import T0, a_new_user, a_request, as_stored, changed, people


async def test_expiring_records_exactly_the_pending_requests_made_at_or_before_the_cutoff(
    uow: UnitOfWork,
) -> None:
    mentor, other, ada, bob = await people(uow, "mentor", "mother", "ada", "bob")
    async with uow() as tx:
        old = await tx.mentorings.add(a_request(mentor, ada, at=T0))
        edge = await tx.mentorings.add(a_request(other, ada, at=T0 + timedelta(days=1)))
        young = await tx.mentorings.add(a_request(mentor, bob, at=T0 + timedelta(days=2)))
        await tx.commit()
    active = await changed(uow, (await as_stored(uow, young.id)).id, "accept", mentor.id)
    cutoff = T0 + timedelta(days=1)
    async with uow() as tx:
        assert await tx.mentorings.expire_requested_before(cutoff) == [old.id, edge.id]
        await tx.commit()
    for mentoring_id in (old.id, edge.id):
        stored = await as_stored(uow, mentoring_id)
        assert (stored.status, stored.version) == (Status.EXPIRED, 2)
        assert stored.updated_at == stored.created_at
    assert (await as_stored(uow, active.id)).status is Status.ACTIVE
    async with uow() as tx:
        assert await tx.mentorings.expire_requested_before(cutoff) == []


async def test_expiring_one_pair_leaves_the_others_and_frees_the_pair(uow: UnitOfWork) -> None:
    mentor, ada, bob = await people(uow, "mentor", "ada", "bob")
    async with uow() as tx:
        first = await tx.mentorings.add(a_request(mentor, ada))
        other = await tx.mentorings.add(a_request(mentor, bob))
        await tx.commit()
    async with uow() as tx:
        pair = (mentor.id, ada.id)
        assert await tx.mentorings.expire_requested_before(T0, pair=pair) == [first.id]
        assert not await tx.mentorings.has_open_between(mentor.id, ada.id)
        again = await tx.mentorings.add(a_request(mentor, ada))
        await tx.commit()
    assert (await as_stored(uow, other.id)).status is Status.PENDING
    assert (await as_stored(uow, again.id)).status is Status.PENDING


async def test_an_expiry_not_committed_is_dropped(uow: UnitOfWork) -> None:
    mentor, ada = await people(uow, "mentor", "ada")
    async with uow() as tx:
        request = await tx.mentorings.add(a_request(mentor, ada))
        await tx.commit()
    async with uow() as tx:
        assert await tx.mentorings.expire_requested_before(T0) == [request.id]
    assert (await as_stored(uow, request.id)).status is Status.PENDING


async def test_status_filters_read_a_due_pending_request_as_expired(uow: UnitOfWork) -> None:
    mentor, ada = await people(uow, "mentor", "ada")
    mentors = [mentor, *await people(uow, "m2", "m3")]
    async with uow() as tx:
        due = await tx.mentorings.add(a_request(mentors[0], ada, at=T0))
        fresh = await tx.mentorings.add(a_request(mentors[1], ada, at=T0 + timedelta(seconds=1)))
        recorded = await tx.mentorings.add(a_request(mentors[2], ada, at=T0))
        assert await tx.mentorings.expire_requested_before(T0, pair=(mentors[2].id, ada.id))
        await tx.commit()
    async with uow(write=False) as tx:

        async def ids(status: Status, **more: object) -> list[MentoringId]:
            found = await tx.mentorings.list_for(ada.id, status=status, **more)  # type: ignore[arg-type]
            return [m.id for m in found]

        assert await ids(Status.PENDING, expired_before=T0) == [fresh.id]
        assert await ids(Status.EXPIRED, expired_before=T0) == [due.id, recorded.id]
        assert await ids(Status.EXPIRED, expired_before=T0, role=Role.MENTEE) == [
            due.id,
            recorded.id,
        ]
        assert await ids(Status.EXPIRED, expired_before=T0, role=Role.MENTOR) == []
        # Without a cutoff, the stored status.
        assert await ids(Status.PENDING) == [due.id, fresh.id]
        assert await ids(Status.EXPIRED) == [recorded.id]
        [stored] = await tx.mentorings.list_for(ada.id, status=Status.PENDING, limit=1)
        assert stored.status is Status.PENDING, "the store shows what it holds"


async def test_an_end_reason_reads_back_exactly(uow: UnitOfWork) -> None:
    mentor, ada = await people(uow, "mentor", "ada")
    async with uow() as tx:
        request = await tx.mentorings.add(a_request(mentor, ada))
        await tx.commit()
    await changed(uow, request.id, "accept", mentor.id)
    async with uow() as tx:
        mentoring = await tx.mentorings.get(request.id, for_update=True)
        assert mentoring is not None
        mentoring.stop(by=ada.id, at=T0 + timedelta(hours=1), reason=" Zoé 🙂 " + "r" * 990)
        await tx.mentorings.save(mentoring)
        await tx.commit()
    stored = await as_stored(uow, request.id)
    assert stored.end_reason == "Zoé 🙂 " + "r" * 990
    async with uow(write=False) as tx:
        [listed] = await tx.mentorings.list_accepted_for(ada.id)
        [row] = await tx.mentorings.list_accepted_with_people(ada.id)
    assert listed.end_reason == row.mentoring.end_reason == stored.end_reason


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    accepted=st.lists(st.booleans(), max_size=12),
    limit=st.integers(1, 5),
    status=st.none() | st.sampled_from([Status.PENDING, Status.ACTIVE]),
)
async def test_walking_the_pages_of_any_list_yields_exactly_the_whole_list(
    uow: UnitOfWork, accepted: list[bool], limit: int, status: Status | None
) -> None:
    async with uow() as tx:
        mentee = await tx.users.add(a_new_user("mentee"))
        for i, accept in enumerate(accepted):
            mentor = await tx.users.add(a_new_user(f"mentor{i}", mentor=True))
            mentoring = await tx.mentorings.add(a_request(mentor, mentee))
            if accept:
                mentoring.respond(by=mentor.id, accept=True, at=T0)
                await tx.mentorings.save(mentoring)
        reads = {
            "requests": lambda after, n: tx.mentorings.list_for(
                mentee.id,
                status=status,
                expired_before=T0 - timedelta(days=1),
                after=after,
                limit=n,
            ),
            "accepted": lambda after, n: tx.mentorings.list_accepted_for(
                mentee.id, after=after, limit=n
            ),
            "people": lambda after, n: tx.mentorings.list_accepted_with_people(
                mentee.id, after=after, limit=n
            ),
        }
        for read in reads.values():
            whole = await read(None, None)
            walked: list[object] = []
            after = None
            while True:
                page = await read(after, limit + 1)
                assert len(page) <= limit + 1
                walked += page[:limit]
                if len(page) <= limit:
                    break
                last = page[limit - 1]
                after = getattr(last, "mentoring", last).id
            assert [dataclasses.asdict(x) for x in walked] == [  # type: ignore[call-overload]
                dataclasses.asdict(x) for x in whole
            ]
        # No commit: the example leaves the store empty for the next one.
