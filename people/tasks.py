"""Celery tasks of the people app: a few lines each, safe to run twice."""

from celery import shared_task

from . import purge


# Celery has no type information: its decorator leaves the task untyped.
@shared_task(acks_late=True, time_limit=10 * 60)  # type: ignore[untyped-decorator]
def purge_expired_links() -> dict[str, int]:
    """Celery beat, every hour: the sign-ups, invitations and sessions no e-mailed link can use any more."""
    purged = purge.purge_expired_links()
    return {"signups": purged.signups, "invitations": purged.invitations, "sessions": purged.sessions}
