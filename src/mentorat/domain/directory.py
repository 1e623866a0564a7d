"""The mentor directory: what a search asks, how its results rank, and what a card shows.

Every store answers a `DirectoryQuery` with the same mentors in the same order; the functions
here (`matches`, `relevance`, `sort_key`) are the reference the stores' contract tests
hold them to, and what the memory store runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from mentorat.domain.errors import InvalidInput, InvalidPaging
from mentorat.domain.profiles import Profile, SearchText, search_terms
from mentorat.domain.users import UserId

PAGE_DEFAULT = 20
PAGE_MAX = 100
QUERY_TERMS_MAX = 8
QUERY_MAX = 200
FILTERS_MAX = 10

# How much a query word found in each field weighs in a mentor's relevance.
SKILL_WEIGHT, NAME_WEIGHT, BIO_WEIGHT = 3, 2, 1


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts: after the mentor `user_id`, whose relevance was `rank`."""

    rank: int
    user_id: UserId

    def encode(self) -> str:
        return f"{self.rank}.{self.user_id}"

    @classmethod
    def decode(cls, raw: str) -> Cursor:
        rank, _, user_id = raw.partition(".")
        if not (_digits(rank) and _digits(user_id)):
            raise InvalidPaging("cursor", "cursor must be the value a previous page gave.")
        return cls(int(rank), UserId(int(user_id)))


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 18


@dataclass(frozen=True, slots=True)
class DirectoryQuery:
    """A search of the directory.

    `terms`: words every listed mentor has (each the start of a word of their names, skills or
    bio); ranked by relevance, then by id. Without terms, mentors come by id.
    `skills`, `languages`: tags every listed mentor has. `available`: only mentors who accept
    requests and have a place left (False: only the others; None: both).
    """

    terms: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    available: bool | None = None
    limit: int = PAGE_DEFAULT
    after: Cursor | None = None

    @classmethod
    def build(
        cls,
        *,
        q: str = "",
        skills: Sequence[str] = (),
        languages: Sequence[str] = (),
        available: bool | None = None,
        limit: int = PAGE_DEFAULT,
        after: Cursor | None = None,
    ) -> DirectoryQuery:
        if len(q) > QUERY_MAX:
            raise InvalidInput("q", f"q has at most {QUERY_MAX} characters.")
        terms = tuple(dict.fromkeys(search_terms(q)))
        if len(terms) > QUERY_TERMS_MAX:
            raise InvalidInput("q", f"q has at most {QUERY_TERMS_MAX} words.")
        if not 1 <= limit <= PAGE_MAX:
            raise InvalidPaging("limit", f"limit must be an integer between 1 and {PAGE_MAX}.")
        for name, values in (("skill", skills), ("language", languages)):
            if len(values) > FILTERS_MAX:
                raise InvalidInput(name, f"Give at most {FILTERS_MAX} {name} filters.")
        return cls(terms, tuple(skills), tuple(languages), available, limit, after)


@dataclass(frozen=True, slots=True)
class MentorCard:
    """A mentor as a stranger may see them: never an email or a phone number."""

    user_id: UserId
    username: str
    first_name: str
    last_name: str
    is_verified: bool
    profile: Profile
    active_mentees: int
    answer_time: timedelta | None
    rank: int = 0

    @property
    def places_left(self) -> int:
        return max(self.profile.capacity - self.active_mentees, 0)

    @property
    def available(self) -> bool:
        return self.profile.accepting_requests and self.places_left > 0


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    cards: Sequence[MentorCard]
    next: Cursor | None = None


def _has_prefix(words: str, term: str) -> bool:
    return any(word.startswith(term) for word in words.split())


def matches(text: SearchText, terms: Sequence[str]) -> bool:
    """Every term starts some word of the mentor's names, skills or bio."""
    everything = text.all
    return all(_has_prefix(everything, term) for term in terms)


def relevance(text: SearchText, terms: Sequence[str]) -> int:
    """The sum, over the query's words, of the weights of the fields that hold them."""
    return sum(
        SKILL_WEIGHT * _has_prefix(text.skills, term)
        + NAME_WEIGHT * _has_prefix(text.names, term)
        + BIO_WEIGHT * _has_prefix(text.bio, term)
        for term in terms
    )


def sort_key(card: MentorCard) -> tuple[int, int]:
    """Listing order: most relevant first, then by id."""
    return (-card.rank, card.user_id)


def listed_after(card: MentorCard, cursor: Cursor) -> bool:
    """Whether `card` comes after the cursor's mentor in listing order."""
    return sort_key(card) > (-cursor.rank, cursor.user_id)
