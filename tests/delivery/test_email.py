"""Email against a real SMTP server on 127.0.0.1 (aiosmtpd): a mail for a request, one for
its answer, one digest for many messages, nothing for those who opted out. On SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentorat.adapters.mail.smtp import SmtpMailer
from mentorat.adapters.memory.services import ManualClock
from mentorat.application.edit_profile import EditProfileCommand
from mentorat.application.notify_by_email import MailSettings, NotifyByEmail
from mentorat.application.respond_to_request import RespondCommand
from mentorat.bootstrap import System
from tests.delivery.support import Inbox, Pair, a_pair, accept, post, start_smtp

WINDOW = timedelta(minutes=15)


def mailer(system: System, smtp_port: int, clock: ManualClock) -> NotifyByEmail:
    assert system.mail_queue is not None
    return NotifyByEmail(
        system.mentorat.uow,
        system.mail_queue,
        SmtpMailer(f"smtp://127.0.0.1:{smtp_port}", "mentorat <noreply@example.org>"),
        clock,
        MailSettings(window=WINDOW),
    )


async def started(system: System, smtp_port: int) -> tuple[NotifyByEmail, ManualClock]:
    """A mailer that has taken its place in the outbox (after every event so far)."""
    clock = ManualClock(datetime.now(UTC))
    notify = mailer(system, smtp_port, clock)
    await notify.run_once()
    return notify, clock


def addresses(pair: Pair) -> tuple[str, str]:
    return pair.mentor.email, pair.mentee.email


async def test_the_mentor_gets_one_mail_for_a_request_and_the_mentee_one_for_the_answer(
    system: System, inbox: Inbox, smtp_port: int
) -> None:
    notify, _ = await started(system, smtp_port)
    pair = await a_pair(system)
    await notify.run_once()
    await notify.run_once()
    mentor, mentee = addresses(pair)
    [request] = inbox.to(mentor)
    assert "Subject: New mentoring request from Ada Lovelace (mentee)" in request
    assert inbox.to(mentee) == []
    await accept(system, pair)
    await notify.run_once()
    [answer] = inbox.to(mentee)
    assert "Subject: Marie Curie (mentor) accepted your mentoring request" in answer
    assert len(inbox.to(mentor)) == 1
    for mail in (request, answer):
        for secret in ("Pass123", "whsec_", "Bearer"):
            assert secret not in mail


async def test_many_messages_give_one_digest_a_window_after_the_first(
    system: System, inbox: Inbox, smtp_port: int
) -> None:
    notify, clock = await started(system, smtp_port)
    pair = await a_pair(system)
    await accept(system, pair)
    await post(system, pair, 6)  # the mentor writes to the mentee
    await notify.run_once()
    mentor, mentee = addresses(pair)
    assert inbox.to(mentee) == [next(iter(inbox.to(mentee)))]  # the answer, no digest yet
    clock.advance(minutes=16)
    await notify.run_once()
    await notify.run_once()
    _, digest = inbox.to(mentee)
    assert "Subject: 6 unread messages from Marie Curie (mentor)" in digest
    assert "message 0" not in digest  # a count, never the text
    assert len(inbox.to(mentor)) == 1  # the request only
    await post(system, pair, 2)
    await notify.run_once()
    clock.advance(minutes=16)
    await notify.run_once()
    assert "Subject: 2 unread messages" in inbox.to(mentee)[-1]
    assert len(inbox.to(mentee)) == 3


async def test_people_who_opted_out_get_no_mail(
    system: System, inbox: Inbox, smtp_port: int
) -> None:
    notify, clock = await started(system, smtp_port)
    pair = await a_pair(system, "2")
    for person in (pair.mentor, pair.mentee):
        view = await system.mentorat.edit_profile(
            EditProfileCommand(person.id, email_notifications=False)
        )
        assert view.profile.email_notifications is False
    await accept(system, pair)
    await post(system, pair, 3)
    await post(system, pair, 3, by_mentor=False)
    await notify.run_once()
    clock.advance(minutes=16)
    await notify.run_once()
    await notify.run_once()
    assert inbox.mails == []


async def test_a_declined_request_is_told_to_the_mentee(
    system: System, inbox: Inbox, smtp_port: int
) -> None:
    notify, _ = await started(system, smtp_port)
    pair = await a_pair(system, "3")
    await system.mentorat.respond_to_request(
        RespondCommand(pair.mentoring_id, pair.mentor.id, accept=False)
    )
    await notify.run_once()
    [answer] = inbox.to(pair.mentee.email)
    assert "Subject: Marie Curie (mentor3) declined your mentoring request" in answer


async def test_a_mail_the_server_did_not_take_is_sent_once_it_answers(
    system: System, smtp_port: int
) -> None:
    notify, clock = await started(system, smtp_port)  # nothing listens on the port yet
    pair = await a_pair(system)
    await notify.run_once()  # refused: tried again later
    assert system.mail_queue is not None
    assert await system.mail_queue.take("another", clock.now(), clock.now()) is None
    inbox, controller = start_smtp(smtp_port)
    try:
        await notify.run_once()  # not due yet
        assert inbox.mails == []
        clock.advance(minutes=5)
        await notify.run_once()
        await notify.run_once()
        assert len(inbox.to(pair.mentor.email)) == 1
    finally:
        controller.stop()
