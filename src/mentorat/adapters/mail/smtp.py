"""`application.ports.Mailer` over SMTP with the standard library's smtplib, in a thread.

`MENTORAT_SMTP_URL`: `smtp://user:password@host:port` (STARTTLS when the server offers it),
`smtps://...` (TLS from the first byte, port 465 by default). Mails are few (a request, an
answer, a digest per window), so a connection per mail in a worker thread is plenty, and no
async SMTP library is needed.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from mentorat.application.errors import DeliveryFailed
from mentorat.application.ports import Mail

SCHEMES = ("smtp", "smtps")


def check_smtp_url(url: str) -> None:
    """Raise ValueError naming what is wrong with an SMTP URL."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError("must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("names no host")
    parts.port  # noqa: B018 - raises ValueError for a port that is not a number


class SmtpMailer:
    """`timeout`: seconds each step of the conversation with the server may take."""

    def __init__(self, url: str, mail_from: str, *, timeout: float = 10.0) -> None:
        check_smtp_url(url)
        parts = urlsplit(url)
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname or ""
        self._port = parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._from = mail_from
        self._timeout = timeout

    async def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self._from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self._from.rpartition("@")[2] or None)
        message.set_content(mail.text)
        try:
            await asyncio.to_thread(self._send, message)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"SMTP: {type(error).__name__}: {error}") from None

    def _send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self._tls:
            smtp = smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=context)
        else:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        with smtp:
            if not self._tls:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
            if self._user is not None:
                smtp.login(self._user, self._password or "")
            smtp.send_message(message)
