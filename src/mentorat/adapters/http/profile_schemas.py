"""The JSON shapes of profiles, the directory and suggestions (msgspec), and views -> structs."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from mentorat.adapters.http.schemas import UserOut, documented
from mentorat.application.views import ProfileView
from mentorat.domain.directory import MentorCard
from mentorat.domain.matching import Suggestion
from mentorat.domain.profiles import (
    BIO_MAX,
    CAPACITY_MAX,
    LANGUAGES_MAX,
    SKILL_MAX,
    SKILLS_MAX,
    TIMEZONE_MAX,
)

# A field that may not be edited; any value sent for it is refused by name. The schema says
# `readOnly`, so clients and fuzzers know not to send it.
ReadOnly = Annotated[
    str | int | bool | UnsetType | None,
    msgspec.Meta(extra_json_schema={"extra": {"readOnly": True}}),
]
_SKILLS = documented(
    f"At most {SKILLS_MAX} tags of letters, digits, spaces and + # . / - (lowercased, each "
    "kept once).",
    max_items=SKILLS_MAX,
    items={"type": "string", "minLength": 1, "maxLength": SKILL_MAX},
)


class ProfileIn(msgspec.Struct, frozen=True):
    """PATCH /auth/me/: every field optional; only those sent change. null clears
    `phone_number` and `timezone`."""

    first_name: str | UnsetType = UNSET
    last_name: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    phone_number: str | UnsetType | None = UNSET
    bio: Annotated[str | UnsetType, documented("Free text.", max_length=BIO_MAX)] = UNSET
    skills: Annotated[list[str] | UnsetType, _SKILLS] = UNSET
    wanted_skills: Annotated[list[str] | UnsetType, _SKILLS] = UNSET
    languages: Annotated[
        list[str] | UnsetType,
        documented(
            "ISO 639-1 codes such as fr or en.",
            max_items=LANGUAGES_MAX,
            items={"type": "string", "minLength": 2, "maxLength": 2},
        ),
    ] = UNSET
    timezone: Annotated[
        str | UnsetType | None,
        documented("An IANA time zone such as Europe/Paris.", max_length=TIMEZONE_MAX),
    ] = UNSET
    capacity: Annotated[
        int | UnsetType,
        documented(
            "How many active mentees at once (a mentor's only).", minimum=0, maximum=CAPACITY_MAX
        ),
    ] = UNSET
    accepting_requests: bool | UnsetType = UNSET
    email_notifications: bool | UnsetType = UNSET
    id: ReadOnly = UNSET
    username: ReadOnly = UNSET
    password: ReadOnly = UNSET
    is_mentor: ReadOnly = UNSET
    is_verified: ReadOnly = UNSET


class MeOut(UserOut):
    """The user object with the caller's profile; `capacity`, `accepting_requests`,
    `active_mentees` and `places_left` are a mentor's (null for a mentee)."""

    bio: str
    skills: list[str]
    wanted_skills: list[str]
    languages: list[str]
    timezone: str | None
    capacity: int | None
    accepting_requests: bool | None
    active_mentees: int | None
    places_left: int | None
    email_notifications: Annotated[
        bool, msgspec.Meta(description="Whether the person is sent email about their mentorings.")
    ] = True


class MentorCardOut(msgspec.Struct):
    """A mentor as anyone may see them: never an email or a phone number."""

    id: int
    username: str
    first_name: str
    last_name: str
    is_verified: bool
    bio: str
    skills: list[str]
    languages: list[str]
    timezone: str | None
    accepting_requests: bool
    capacity: int
    active_mentees: int
    places_left: int
    median_answer_seconds: Annotated[
        int | None,
        msgspec.Meta(description="Median time to answer a request (latest 20); null if none."),
    ]


class ReasonOut(msgspec.Struct):
    code: Annotated[str, msgspec.Meta(description="skills, language, timezone, places, answers")]
    points: int
    text: str


class SuggestionOut(msgspec.Struct):
    mentor: MentorCardOut
    score: Annotated[int, msgspec.Meta(ge=0, le=100)]
    reasons: list[ReasonOut]


def me_out(view: ProfileView) -> MeOut:
    user, profile, standing = view.user, view.profile, view.standing
    mentor = user.is_mentor
    return MeOut(
        user.id,
        user.username,
        user.email,
        user.first_name,
        user.last_name,
        user.is_mentor,
        user.phone_number,
        user.is_verified,
        profile.bio,
        list(profile.skills),
        list(profile.wanted_skills),
        list(profile.languages),
        profile.timezone,
        profile.capacity if mentor else None,
        profile.accepting_requests if mentor else None,
        standing.active_mentees if mentor else None,
        max(profile.capacity - standing.active_mentees, 0) if mentor else None,
        profile.email_notifications,
    )


def card_out(card: MentorCard) -> MentorCardOut:
    profile, answer = card.profile, card.answer_time
    return MentorCardOut(
        card.user_id,
        card.username,
        card.first_name,
        card.last_name,
        card.is_verified,
        profile.bio,
        list(profile.skills),
        list(profile.languages),
        profile.timezone,
        profile.accepting_requests,
        profile.capacity,
        card.active_mentees,
        card.places_left,
        None if answer is None else int(answer.total_seconds()),
    )


def suggestion_out(suggestion: Suggestion) -> SuggestionOut:
    return SuggestionOut(
        card_out(suggestion.card),
        suggestion.score,
        [ReasonOut(r.code.value, r.points, r.text) for r in suggestion.reasons],
    )
