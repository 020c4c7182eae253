from django.db import migrations


class Migration(migrations.Migration):
    """A pending sign-up no longer holds a password (its confirmation page asks for it): the column is dropped,
    with the hashes of sign-ups still waiting; those ask for a password when confirmed, like any other."""

    dependencies = [("people", "0003_invitations_signups_notifications")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.RemoveField(model_name="pendingsignup", name="password_hash"),
    ]
