"""The example a person trying mentorat sees: the seed's small story through the use cases,
and a directory of a few dozen mentors."""

from __future__ import annotations

import random
from datetime import date

from mentorat.application.edit_profile import EditProfileCommand
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.demo.pools import BIO_WORDS, LANGUAGE_POOL, SKILL_POOL, ZONE_POOL

DEMO_PASSWORD = "Pass123!@"
DEMO_OWNER = RegisterCommand(
    username="owner",
    password=DEMO_PASSWORD,
    email="ll@rajapi.com",
    first_name="Project",
    last_name="Owner",
)
DEMO_MENTOR = RegisterCommand(
    username="Mentor_2",
    password=DEMO_PASSWORD,
    email="mentor_2@example.com",
    first_name="Mentor",
    last_name="Two",
    is_mentor=True,
    phone_number=None,
)
DEMO_PERIOD = (date(2024, 1, 1), date(2024, 12, 31))
# (sent by the mentee?, text)
DEMO_CHAT = (
    (True, "Hello! Thank you for accepting to mentor me this year."),
    (False, "With pleasure. What would you like to start with?"),
    (True, "I would like to structure how I learn Python and REST APIs."),
    (False, "Good plan: one goal a month, and we check in here every week."),
)


async def seed_demo(mentorat: Mentorat) -> bool:
    """Load the example data through the use cases; False when `owner` already exists.

    `owner` (password `Pass123!@`) asks the verified mentor `Mentor_2` (no phone number) for
    a mentoring over 2024, `Mentor_2` accepts, and the two exchange a few messages.
    """
    async with mentorat.uow(write=False) as tx:
        if await tx.users.get_by_username(DEMO_OWNER.username) is not None:
            return False
    owner = await mentorat.register_user(DEMO_OWNER)
    mentor = await mentorat.register_user(DEMO_MENTOR)
    await mentorat.verify_user(mentor.username)
    start, end = DEMO_PERIOD
    mentoring = await mentorat.request_mentoring(
        RequestMentoringCommand(
            caller_id=owner.id, mentor_id=mentor.id, start_date=start, end_date=end
        )
    )
    await mentorat.respond_to_request(RespondCommand(mentoring.id, mentor.id, accept=True))
    for by_mentee, text in DEMO_CHAT:
        sender = owner.id if by_mentee else mentor.id
        await mentorat.post_message(PostMessageCommand(mentoring.id, sender, text))
    await mentorat.list_messages(ListMessagesQuery(mentoring.id, owner.id))
    await mentorat.edit_profile(
        EditProfileCommand(
            owner.id,
            bio="J'apprends Python et les API REST.",
            wanted_skills=("python", "rest", "testing", "sql"),
            languages=("fr", "en"),
            timezone="Europe/Paris",
        )
    )
    await _directory(mentorat)
    return True


DEMO_MENTORS = 36


async def _directory(mentorat: Mentorat) -> None:
    """A few dozen mentors with varied skills, languages and time zones, so that a search and
    the suggestions have something to show."""
    rnd = random.Random(7)
    names = (
        "Claire",
        "Amadou",
        "Inès",
        "Lucas",
        "Fatou",
        "Hugo",
        "Yasmine",
        "Théo",
        "Léa",
        "Karim",
        "Chloé",
        "Mamadou",
        "Sofia",
        "Julien",
        "Aïcha",
        "Nathan",
    )
    for i in range(DEMO_MENTORS):
        first = names[i % len(names)]
        mentor = await mentorat.register_user(
            RegisterCommand(
                username=f"mentor{i + 3:02d}",
                password=DEMO_PASSWORD,
                email=f"mentor{i + 3:02d}@example.com",
                first_name=first,
                last_name=f"Demo{i + 3:02d}",
                is_mentor=True,
            )
        )
        if i % 3:
            await mentorat.verify_user(mentor.username)
        skills = rnd.sample(SKILL_POOL, rnd.randint(2, 5))
        await mentorat.edit_profile(
            EditProfileCommand(
                mentor.id,
                bio=f"{first}, {' '.join(rnd.sample(BIO_WORDS, 3))}: {', '.join(skills)}.",
                skills=skills,
                languages=rnd.sample(LANGUAGE_POOL, rnd.randint(1, 3)),
                timezone=rnd.choice(ZONE_POOL),
                capacity=rnd.randint(1, 5),
                accepting_requests=i % 11 != 5,
            )
        )
