"""While a sync's client waits for Hubstaff inside one attempt (a 5xx or a timeout backed off, a Retry-After slept
through), the run's progress says so, rather than the phase it was in or "Waiting for a worker"."""

from integrations.models import SyncRun

RETRYING = "Trying Hubstaff again"


def announce_waits(client, run):
    """Wrap the client's `sleep` (its seam for waiting) so that each wait is named on the run, then the retry."""
    sleep = getattr(client, "sleep", None)
    if sleep is None:
        return client

    def waiting(seconds):
        label = f"Hubstaff is busy; trying again in {max(1, round(seconds))} s."
        SyncRun.objects.filter(pk=run.pk).update(progress_label=label)
        sleep(seconds)
        SyncRun.objects.filter(pk=run.pk).update(progress_label=RETRYING)

    client.sleep = waiting
    return client
