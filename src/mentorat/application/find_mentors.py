"""A mentee looks for a mentor: searches the directory, or asks for suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from mentorat.application.ports import Clock, UnitOfWork
from mentorat.domain.directory import DirectoryPage, DirectoryQuery
from mentorat.domain.errors import InvalidToken
from mentorat.domain.matching import SUGGESTIONS_MAX, Suggestion, suggest
from mentorat.domain.mentoring import Role
from mentorat.domain.profiles import validate_languages, validate_skills
from mentorat.domain.users import UserId

# How many mentors the store hands the scoring: those with the most wanted skills, then by id.
CANDIDATES: Final = 50


class SearchMentors:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, query: DirectoryQuery) -> DirectoryPage:
        """Filters are read as profiles write them (`skill=Python` finds "python")."""
        query = DirectoryQuery(
            terms=query.terms,
            skills=validate_skills("skill", query.skills),
            languages=validate_languages(query.languages, "language"),
            available=query.available,
            limit=query.limit,
            after=query.after,
        )
        async with self._uow(write=False) as tx:
            return await tx.directory.search(query)


@dataclass(frozen=True, slots=True)
class SuggestQuery:
    caller_id: UserId
    limit: int = SUGGESTIONS_MAX


class SuggestMentors:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, query: SuggestQuery) -> list[Suggestion]:
        async with self._uow(write=False) as tx:
            found = await tx.profiles.get(query.caller_id)
            if found is None:
                raise InvalidToken("User not found or inactive.")
            mentee, _ = found
            cards = await tx.directory.candidates(query.caller_id, mentee.wanted_skills, CANDIDATES)
            requests = await tx.mentorings.list_for(query.caller_id, role=Role.MENTEE)
        open_with = {m.mentor_id for m in requests if m.status.is_open}
        return suggest(mentee, cards, open_with, self._clock.now(), query.limit)
