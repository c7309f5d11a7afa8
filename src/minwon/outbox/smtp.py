"""Senders: how an outbox row leaves minwon. E-mail goes out through an SMTP relay."""

import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Protocol

from minwon.config import Settings
from minwon.outbox.models import OutboxMessage
from minwon.outbox.service import mail_subject
from minwon.timeutil import KST

# 7bit makes non-ASCII bodies base64/QP, so relays without 8BITMIME still carry Korean text.
MAIL_POLICY = SMTP.clone(cte_type="7bit")


class Sender(Protocol):
    """Anything that can deliver one outbox message, raising if it could not."""

    def send(self, message: OutboxMessage) -> None: ...


def message_id(message: OutboxMessage, mail_from: str) -> str:
    """A ``Message-ID`` fixed by the row, so a resend after a crash can be recognised.

    The creation time is included so that ids stay unique if a database is ever rebuilt and
    row ids start over.
    """
    domain = mail_from.rpartition("@")[2] or "localhost"
    stamp = message.created_at.strftime("%Y%m%d%H%M%S")
    return f"<minwon.outbox.{message.id}.{stamp}@{domain}>"


class SmtpSender:
    """Sends e-mail outbox messages through the SMTP server described by ``settings``."""

    def __init__(self, settings: Settings, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def build(self, message: OutboxMessage) -> EmailMessage:
        """The MIME message for ``message``: UTF-8 text, stable Message-ID and Date."""
        mail = EmailMessage(policy=MAIL_POLICY)
        mail["From"] = self.settings.mail_from
        mail["To"] = message.recipient
        mail["Subject"] = mail_subject(message.subject)
        mail["Date"] = format_datetime(message.created_at.astimezone(KST))
        mail["Message-ID"] = message_id(message, self.settings.mail_from)
        mail.set_content(message.body, charset="utf-8")
        return mail

    def send(self, message: OutboxMessage) -> None:
        """Deliver ``message`` to the relay, using STARTTLS and login when configured."""
        mail = self.build(message)
        settings = self.settings
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=self.timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(mail, from_addr=settings.mail_from, to_addrs=[message.recipient])
