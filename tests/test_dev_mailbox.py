"""/dev/mail/: the development mailbox lists the file-based backend's e-mails to an operator on this machine, each
other person only their own, and exists nowhere else."""

import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from django.core.mail import send_mail

from tests.factories import UserFactory
from tests.reliability.support import REPO, database_url_of_test_db

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@pytest.fixture
def file_mail(settings, tmp_path):
    settings.EMAIL_BACKEND = FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.DEV_MAILBOX = True
    return tmp_path


@pytest.fixture
def operator(db):
    return UserFactory(username="operator@example.test", is_staff=True)


def send_two_people_their_links():
    send_mail(
        "Reset for Ann",
        "Open http://testserver/accounts/password/reset/MQ/ann-secret/",
        "a@x.test",
        ["ann@x.test"],
    )
    send_mail(
        "Invitation for Ben",
        "Open http://testserver/accounts/invitation/ben-secret/",
        "a@x.test",
        ["ben@x.test"],
    )


@pytest.mark.usefixtures("file_mail")
def test_an_operator_reads_every_e_mail_with_clickable_links(client, operator):
    send_mail("First", "Open http://testserver/accounts/login/ now", "a@x.test", ["one@x.test"])
    send_mail("Second", "Hello", "a@x.test", ["two@x.test"])
    client.force_login(operator)
    page = client.get("/dev/mail/").content.decode()
    assert "First" in page and "Second" in page and "two@x.test" in page
    assert '<a href="http://testserver/accounts/login/"' in page
    assert "every e-mail is shown" in page


@pytest.mark.usefixtures("file_mail")
def test_a_person_reads_only_their_own_mail(client, db):
    send_two_people_their_links()
    client.force_login(UserFactory(username="Ann@X.test"))
    page = client.get("/dev/mail/").content.decode()
    assert "Reset for Ann" in page and "ann-secret" in page
    assert "Invitation for Ben" not in page and "ben-secret" not in page and "ben@x.test" not in page
    assert "Only the e-mails addressed to you (Ann@X.test) are shown" in page


@pytest.mark.usefixtures("file_mail")
def test_a_signed_out_visitor_is_sent_to_sign_in_and_sees_no_mail(client):
    send_two_people_their_links()
    response = client.get("/dev/mail/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/dev/mail/"
    assert b"secret" not in response.content


@pytest.mark.usefixtures("file_mail")
@pytest.mark.parametrize("address", ["192.168.1.20", "10.0.0.2", "2001:db8::1", ""])
def test_no_mailbox_for_a_request_from_another_machine_even_for_an_operator(client, operator, address):
    send_two_people_their_links()
    client.force_login(operator)
    response = client.get("/dev/mail/", REMOTE_ADDR=address)
    assert response.status_code == 404 and b"secret" not in response.content


@pytest.mark.usefixtures("file_mail")
def test_the_mailbox_answers_on_ipv6_loopback(client, operator):
    client.force_login(operator)
    assert client.get("/dev/mail/", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.usefixtures("file_mail")
def test_no_mailbox_in_production(client, settings, operator):
    settings.DEV_MAILBOX = False
    client.force_login(operator)
    assert client.get("/dev/mail/").status_code == 404


def test_no_mailbox_with_another_backend(client, settings, operator):
    settings.DEV_MAILBOX = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    client.force_login(operator)
    assert client.get("/dev/mail/").status_code == 404


def settings_in(env):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEV_MAILBOX, s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "primetric.settings", **env}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_production_settings_turn_the_mailbox_off_and_send_by_smtp():
    assert settings_in(
        {
            "PRIMETRIC_ENV": "production",
            "SECRET_KEY": "x" * 50,
            "FIELD_ENCRYPTION_KEYS": "x",
            "EMAIL_URL": "smtp+tls://user:secret@smtp.example.test:587",
            # Production requires its servers' addresses; nothing connects to these.
            "DATABASE_URL": "postgres://primetric@db.invalid/primetric",
            "REDIS_URL": "redis://redis.invalid:6379/0",
        }
    ) == ["False", "django.core.mail.backends.smtp.EmailBackend", "smtp.example.test", "587", "True"]


@pytest.mark.parametrize(("primetric_env", "expected"), [(None, "False"), ("development", "True")])
def test_the_mailbox_needs_primetric_env_to_say_development(primetric_env, expected):
    env = {
        "DATABASE_URL": "postgres://primetric@db.invalid/primetric",
        "REDIS_URL": "redis://redis.invalid:6379/0",
    }
    if primetric_env:
        env["PRIMETRIC_ENV"] = primetric_env
    assert settings_in(env)[0] == expected


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
@pytest.mark.parametrize(("primetric_env", "status"), [(None, 404), ("development", 302)])
def test_a_server_started_without_primetric_env_has_no_mailbox(tmp_path, primetric_env, status):
    """runserver without DEBUG, as `make run` started it before it said development: /dev/mail/ is a 404 even
    from this machine; with PRIMETRIC_ENV=development a signed-out visitor is sent to sign in."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_db(),
        "DEBUG": "0",
        "EMAIL_FILE_PATH": str(tmp_path),
    }
    env.pop("PRIMETRIC_ENV", None)
    env.pop("EMAIL_URL", None)
    if primetric_env:
        env["PRIMETRIC_ENV"] = primetric_env
    log = (tmp_path / "web.log").open("w")
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    web = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/healthz", timeout=10)
                break
            except requests.RequestException:
                assert web.poll() is None and time.monotonic() < deadline, (tmp_path / "web.log").read_text()
                time.sleep(0.2)
        response = requests.get(base + "/dev/mail/", allow_redirects=False, timeout=30)
        assert response.status_code == status
    finally:
        web.terminate()
        web.wait(timeout=20)
        log.close()
