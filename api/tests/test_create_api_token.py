"""manage.py create_api_token --email E."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token


def run(*args):
    out = StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_prints_a_working_key(manager):
    key = run("--email", "MAX@acme.test")
    assert key == Token.objects.get(user=manager.user).key and len(key) == 40


def test_refuses_to_replace_an_existing_token_unless_asked(manager):
    first = run("--email", "max@acme.test")
    with pytest.raises(CommandError, match="already has an API token"):
        run("--email", "max@acme.test")
    second = run("--email", "max@acme.test", "--regenerate")
    assert second != first and Token.objects.get(user=manager.user).key == second


def test_unknown_email(db):
    with pytest.raises(CommandError, match="No login"):
        run("--email", "nobody@acme.test")
