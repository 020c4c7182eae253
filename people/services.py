from django.contrib.auth import get_user_model
from django.db import transaction

from .emails import normalize_email
from .models import Person


@transaction.atomic
def save_person(form):
    """Save a person from a valid PersonForm; link the login account that has the same e-mail, if any.

    A person's login is how they become a member: an existing account with this e-mail can sign in to this
    organization from now on.
    """
    person = form.save()
    if person.user_id is None:
        user = get_user_model().objects.filter(username=normalize_email(person.email)).first()
        if user and not Person.objects.for_org(person.organization).filter(user=user).exists():
            person.user = user
            person.save(update_fields=["user"])
    return person
