"""/dev/mail/: the development mailbox lists the file-based backend's e-mails, and exists nowhere else."""

import pytest
from django.core.mail import send_mail

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@pytest.fixture
def file_mail(settings, tmp_path):
    settings.EMAIL_BACKEND = FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.DEV_MAILBOX = True
    return tmp_path


@pytest.mark.usefixtures("file_mail")
def test_the_mailbox_lists_the_e_mails_with_clickable_links(client):
    send_mail("First", "Open http://testserver/accounts/login/ now", "a@x.test", ["one@x.test"])
    send_mail("Second", "Hello", "a@x.test", ["two@x.test"])
    page = client.get("/dev/mail/").content.decode()
    assert "First" in page and "Second" in page and "two@x.test" in page
    assert '<a href="http://testserver/accounts/login/"' in page


@pytest.mark.usefixtures("file_mail")
def test_no_mailbox_in_production(client, settings):
    settings.DEV_MAILBOX = False
    assert client.get("/dev/mail/").status_code == 404


def test_no_mailbox_with_another_backend(client, settings):
    settings.DEV_MAILBOX = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert client.get("/dev/mail/").status_code == 404


def test_production_settings_turn_the_mailbox_off_and_send_by_smtp():
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEV_MAILBOX, s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "primetric.settings",
        "PRIMETRIC_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "FIELD_ENCRYPTION_KEYS": "x",
        "EMAIL_URL": "smtp+tls://user:secret@smtp.example.test:587",
        # Production requires its servers' addresses; nothing connects to these.
        "DATABASE_URL": "postgres://primetric@db.invalid/primetric",
        "REDIS_URL": "redis://redis.invalid:6379/0",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        "False",
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.test",
        "587",
        "True",
    ]
