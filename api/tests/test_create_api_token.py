"""manage.py create_api_token --email E."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from api.models import ApiToken
from api.tokens import key_digest


def run(*args):
    out = StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_prints_a_working_key(manager):
    key = run("--email", "MAX@acme.test")
    assert key_digest(key) == ApiToken.objects.get(user=manager.user).digest and len(key) == 40


def test_refuses_to_replace_an_existing_token_unless_asked(manager):
    first = run("--email", "max@acme.test")
    with pytest.raises(CommandError, match="already has an API token"):
        run("--email", "max@acme.test")
    second = run("--email", "max@acme.test", "--regenerate")
    assert second != first and ApiToken.objects.get(user=manager.user).digest == key_digest(second)


def test_unknown_email(db):
    with pytest.raises(CommandError, match="No login"):
        run("--email", "nobody@acme.test")
