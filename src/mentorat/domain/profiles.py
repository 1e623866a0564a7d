"""Profiles: how mentors and mentees describe themselves, and the rules on each detail.

A profile holds what a person says about themself (bio, skills, languages, timezone) and, for
a mentor, how many mentees they take at once (`capacity`) and whether they take requests at
all. Every user has one, empty at registration.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Protocol

from mentorat.domain.errors import InvalidInput
from mentorat.domain.users import UserId, ensure_storable

BIO_MAX = 2000
SKILLS_MAX = 30
SKILL_MAX = 50
LANGUAGES_MAX = 10
TIMEZONE_MAX = 64
CAPACITY_MAX = 50
DEFAULT_CAPACITY = 3

# A skill is a tag: letters and digits, with the marks of names such as "c++", "c#", "node.js"
# ".net" or "machine learning". No comma (the stores keep a list of tags as one comma-joined
# text) and no "_" or "%" (they match tags with LIKE).
_SKILL = re.compile(r"\.?[^\W_](?:[^\W_]|[ +#./-])*")

# ISO 639-1: the two-letter language codes.
ISO_639_1 = frozenset(
    re.findall(
        r"[a-z]{2}",
        "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv "
        "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
        "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw "
        "ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv "
        "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr "
        "ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
        "yo za zh zu",
    )
)


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: UserId
    bio: str = ""
    skills: tuple[str, ...] = ()
    wanted_skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    timezone: str | None = None
    capacity: int = DEFAULT_CAPACITY
    accepting_requests: bool = True
    # Whether the person is sent email about their mentorings (requests, answers, digests).
    email_notifications: bool = True


@dataclass(frozen=True, slots=True)
class MentorStanding:
    """What the store counts about a mentor: mentees now active, and how fast they answer."""

    active_mentees: int = 0
    # The median time from a request to the mentor's answer, over their latest answers.
    answer_time: timedelta | None = None


# --- rules on each detail --------------------------------------------------------------------


def validate_bio(bio: str) -> str:
    bio = ensure_storable("bio", bio).strip()
    if len(bio) > BIO_MAX:
        raise InvalidInput("bio", f"Ensure this field has no more than {BIO_MAX} characters.")
    return bio


def validate_skills(field: str, skills: Sequence[str]) -> tuple[str, ...]:
    """Tags in lower case, spaces collapsed, each once, in the order given."""
    tags: dict[str, None] = {}
    for raw in skills:
        tag = " ".join(ensure_storable(field, raw).split()).lower()
        if not tag:
            raise InvalidInput(field, "A skill may not be blank.")
        if len(tag) > SKILL_MAX:
            raise InvalidInput(field, f"A skill has at most {SKILL_MAX} characters.")
        if not _SKILL.fullmatch(tag):
            raise InvalidInput(
                field,
                f"{raw!r} is not a skill: use letters, digits, spaces and + # . / - only.",
            )
        tags[tag] = None
    if len(tags) > SKILLS_MAX:
        raise InvalidInput(field, f"Ensure this field has no more than {SKILLS_MAX} skills.")
    return tuple(tags)


def validate_languages(languages: Sequence[str], field: str = "languages") -> tuple[str, ...]:
    """ISO 639-1 codes, in lower case, each once."""
    codes: dict[str, None] = {}
    for raw in languages:
        code = raw.strip().lower()
        if code not in ISO_639_1:
            raise InvalidInput(field, f"{raw!r} is not an ISO 639-1 language code.")
        codes[code] = None
    if len(codes) > LANGUAGES_MAX:
        raise InvalidInput(field, f"Give at most {LANGUAGES_MAX} languages.")
    return tuple(codes)


def validate_timezone(name: str | None) -> str | None:
    """An IANA time zone name such as "Europe/Paris"; blank means none."""
    if name is None or not name.strip():
        return None
    name = name.strip()
    if len(name) > TIMEZONE_MAX or name not in known_timezones():
        raise InvalidInput("timezone", f"{name!r} is not an IANA time zone name.")
    return name


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_capacity(capacity: int) -> int:
    if not 0 <= capacity <= CAPACITY_MAX:
        raise InvalidInput("capacity", f"capacity must be between 0 and {CAPACITY_MAX}.")
    return capacity


def utc_offset(timezone: str, at: datetime) -> timedelta | None:
    """The zone's offset from UTC at `at` (summer time included)."""
    zone = _zone(timezone)
    return None if zone is None else at.astimezone(zone).utcoffset()


@cache
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    """Zones are kept: `ZoneInfo` itself keeps only the few last used, and loading one reads
    its file. Only names that passed `validate_timezone` reach here, a few hundred at most."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


# --- what a search finds ---------------------------------------------------------------------


def search_terms(text: str) -> list[str]:
    """The words of `text` as every search compares them: without accents, case-folded, split
    at anything but letters and digits ("Développeuse C++" -> ["developpeuse", "c"])."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.findall(r"[^\W_]+", stripped.casefold())


def _joined(words: Iterable[str]) -> str:
    return " ".join(dict.fromkeys(words))


class Named(Protocol):
    """Whoever has the names a search reads: a `User`, a directory card."""

    @property
    def username(self) -> str: ...

    @property
    def first_name(self) -> str: ...

    @property
    def last_name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SearchText:
    """A person's words as the directory's search reads them, by field, each word once.

    Stores keep these beside the profile and match queries against them, so that every store
    splits and folds text alike: `search_terms` decides, not a database's parser.
    """

    names: str
    skills: str
    bio: str

    @classmethod
    def of(cls, person: Named, profile: Profile) -> SearchText:
        names = search_terms(f"{person.username} {person.first_name} {person.last_name}")
        skills = search_terms(" ".join(profile.skills))
        return cls(_joined(names), _joined(skills), _joined(search_terms(profile.bio)))

    @property
    def all(self) -> str:
        return _joined(f"{self.names} {self.skills} {self.bio}".split())
