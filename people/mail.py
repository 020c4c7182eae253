"""E-mails written from templates: templates/emails/<name>_subject.txt and templates/emails/<name>.txt.

Every link an e-mail carries starts with SITE_URL: a request's Host header is the client's to choose, so a link
built from it could send the reader (and the secret the link carries) to another site.

An e-mail decided by a request (an invitation, a sign-up confirmation, a password reset) is rendered in the
request and queued: the task queue sends it once the transaction has committed, retrying while the mail server
is down (people/tasks.py), so that the request never fails after its data is saved.
"""

from functools import partial
from typing import Any, TypedDict

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db.transaction import on_commit
from django.template.loader import render_to_string

# people.tasks.send_email_task, named: the tasks module sends e-mails with this one.
SEND_EMAIL_TASK = "people.tasks.send_email_task"


class QueuedEmail(TypedDict):
    """An e-mail as the task queue carries it (JSON): rendered already, and the invitation it tells of, if any."""

    subject: str
    body: str
    recipients: list[str]
    invitation_id: int | None


def absolute_url(path: str) -> str:
    """A link for an e-mail: SITE_URL and the path, never the request's Host (forgeable)."""
    return f"{settings.SITE_URL}{path}"


def render_email(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of the e-mail template `name`."""
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    body = render_to_string(f"emails/{name}.txt", context)
    return subject, body


def send_templated_email(name: str, context: dict[str, Any], recipients: list[str]) -> None:
    """Render and send one e-mail to the recipients (a list of addresses), now: for tasks, which retry."""
    subject, body = render_email(name, context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def queue_templated_email(
    name: str, context: dict[str, Any], recipients: list[str], invitation_id: int | None = None
) -> None:
    """Render an e-mail now and send it through the task queue once the current transaction commits."""
    subject, body = render_email(name, context)
    queue_email(QueuedEmail(subject=subject, body=body, recipients=recipients, invitation_id=invitation_id))


def queue_email(message: QueuedEmail) -> None:
    """Send a rendered e-mail through the task queue once the current transaction commits."""
    on_commit(partial(deliver, message))


def deliver(message: QueuedEmail) -> None:
    """Put the e-mail's task on the broker (the test suite sends it at once instead)."""
    current_app.send_task(SEND_EMAIL_TASK, kwargs=dict(message))


def send_email(message: QueuedEmail) -> None:
    """Send a rendered e-mail now; the mail server's errors (SMTPException, OSError) are the caller's to retry."""
    send_mail(message["subject"], message["body"], settings.DEFAULT_FROM_EMAIL, message["recipients"])
