"""Mail backends for tests of a mail server that is down: Django loads them by their dotted path (EMAIL_BACKEND)."""

from collections.abc import Sequence
from smtplib import SMTPException, SMTPServerDisconnected

from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as OutboxBackend

from people.models import Invitation


class DownBackend(BaseEmailBackend):
    """A mail server that never answers: every send raises SMTPException."""

    attempts = 0

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        DownBackend.attempts += 1
        raise SMTPServerDisconnected("Connection unexpectedly closed")


class BackAfterOneFailureBackend(OutboxBackend):
    """A mail server down for the first send and up after it (into mail.outbox); each attempt notes what the
    invitations' rows said then."""

    attempts = 0
    statuses_seen: list[list[str]] = []

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        BackAfterOneFailureBackend.attempts += 1
        BackAfterOneFailureBackend.statuses_seen.append(
            list(Invitation.objects.values_list("email_status", flat=True))
        )
        if BackAfterOneFailureBackend.attempts == 1:
            raise SMTPException("451 Temporary local problem")
        return super().send_messages(email_messages)


def reset() -> None:
    DownBackend.attempts = 0
    BackAfterOneFailureBackend.attempts = 0
    BackAfterOneFailureBackend.statuses_seen = []
    mail.outbox = []
