from django.db import transaction

from .forms import PersonForm
from .invitations import revoke_invitations
from .models import Person


@transaction.atomic
def save_person(form: PersonForm) -> Person:
    """Save a person from a valid PersonForm. It never links a login account.

    A login joins an organization only when its owner accepts an invitation (people/invitations.py): linking
    the account that has the same e-mail here would let any organization attach anybody's login to itself and
    would tell the inviter whether that e-mail has an account. A changed e-mail withdraws pending invitations.
    """
    email_changed = form.instance.pk is not None and "email" in form.changed_data
    person = form.save()
    if email_changed:
        revoke_invitations(person)
    return person
