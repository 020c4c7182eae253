"""Celery tasks of the people app: a few lines each, safe to run twice."""

from smtplib import SMTPException

from celery import Task, shared_task

from . import invitations, mail, purge
from .mail import QueuedEmail


# Celery has no type information: its decorator leaves the task untyped.
@shared_task(acks_late=True, time_limit=10 * 60)  # type: ignore[untyped-decorator]
def purge_expired_links() -> dict[str, int]:
    """Celery beat, every hour: the sign-ups, invitations and sessions no e-mailed link can use any more."""
    purged = purge.purge_expired_links()
    return {"signups": purged.signups, "invitations": purged.invitations, "sessions": purged.sessions}


# The mail server's failures, retried after growing waits (Celery's backoff with jitter: up to 30 s, 1 min,
# 2 min, ... an hour), about two hours in all before the e-mail is given up.
MAIL_ERRORS = (SMTPException, OSError)
MAIL_RETRIES = 8


@shared_task(  # type: ignore[untyped-decorator]
    bind=True,
    acks_late=True,
    autoretry_for=MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=MAIL_RETRIES,
    time_limit=5 * 60,
)
def send_email_task(
    self: Task, subject: str, body: str, recipients: list[str], invitation_id: int | None = None
) -> None:
    """Send an e-mail queued after its request's transaction (people/mail.py); an invitation's row says how it went."""
    if invitation_id is not None and not invitations.email_wanted(invitation_id):
        return  # sent already, or its link no longer works (withdrawn, sent again, accepted)
    message = QueuedEmail(subject=subject, body=body, recipients=recipients, invitation_id=invitation_id)
    try:
        mail.send_email(message)
    except MAIL_ERRORS:
        if invitation_id is not None:
            invitations.record_email_failure(invitation_id, final=self.request.retries >= MAIL_RETRIES)
        raise
    if invitation_id is not None:
        invitations.record_email_sent(invitation_id)
