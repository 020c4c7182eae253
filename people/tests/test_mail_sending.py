"""E-mails decided by a request are sent after its transaction commits, through the task queue, retried while the
mail server is down: the request never fails after its data is saved, and the People page says how an
invitation's e-mail went."""

from collections.abc import Iterator

import pytest
from celery import current_app as celery_app
from django.core import mail as outbox
from django.db import transaction
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from people import mail
from people.models import EmailStatus, Invitation, Organization, PendingSignup, Person
from people.tasks import MAIL_RETRIES, send_email_task
from people.tests import mail_backends
from people.tests.mailbox import last_email_to
from people.tests.test_signup import sign_up
from tests.factories import MemberFactory, PersonFactory

DOWN = "people.tests.mail_backends.DownBackend"
BACK_AFTER_ONE_FAILURE = "people.tests.mail_backends.BackAfterOneFailureBackend"
# What people.mail waits for outside the suite's `emails_sent_at_once` fixture.
QUEUE_ON_COMMIT = transaction.on_commit


@pytest.fixture
def task_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The path of a queued e-mail: on commit, send_email_task (the task people.mail names) run by Celery
    eagerly, its retries at once."""
    assert mail.SEND_EMAIL_TASK == send_email_task.name in celery_app.tasks
    monkeypatch.setattr(mail, "on_commit", QUEUE_ON_COMMIT)
    monkeypatch.setattr(mail, "deliver", lambda message: send_email_task.delay(**message))
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    mail_backends.reset()
    yield
    mail_backends.reset()


def invite_lee(
    client: Client, org: Organization, capture: DjangoCaptureOnCommitCallbacks
) -> tuple[Person, str]:
    """Lee (no login) invited from the People page; returns Lee and the message the inviter read."""
    lee = PersonFactory.create(organization=org, full_name="Lee Jones", email="lee@acme.test")
    with capture(execute=True):
        response = client.post(f"/acme/people/{lee.pk}/invite/", follow=True)
    assert response.status_code == 200
    return lee, " ".join(str(m) for m in response.context["messages"])


@pytest.mark.usefixtures("task_queue")
def test_with_the_mail_server_down_an_invitation_is_saved_and_its_row_says_it_could_not_be_sent(
    admin_client: Client,
    org: Organization,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.EMAIL_BACKEND = DOWN
    lee, message = invite_lee(admin_client, org, django_capture_on_commit_callbacks)
    assert message == "Invitation saved; the e-mail to lee@acme.test is on its way."
    invitation = Invitation.objects.get(person=lee)
    assert mail_backends.DownBackend.attempts == MAIL_RETRIES + 1
    assert invitation.email_status == EmailStatus.FAILED
    page = admin_client.get("/acme/people/").content.decode()
    assert "invited" in page and "e-mail could not be sent" in page


@pytest.mark.usefixtures("task_queue")
def test_an_invitation_whose_first_send_failed_says_we_keep_trying_and_is_sent_on_a_retry(
    admin_client: Client,
    org: Organization,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.EMAIL_BACKEND = BACK_AFTER_ONE_FAILURE
    lee, _ = invite_lee(admin_client, org, django_capture_on_commit_callbacks)
    # The retry found the row saying the first attempt failed; it then went out.
    assert mail_backends.BackAfterOneFailureBackend.statuses_seen == [["queued"], ["retrying"]]
    assert Invitation.objects.get(person=lee).email_status == EmailStatus.SENT
    assert last_email_to("lee@acme.test").subject == "You are invited to Primetric"


def test_the_people_page_says_we_keep_trying_while_an_invitation_is_retried(
    admin_client: Client, org: Organization
) -> None:
    lee = PersonFactory.create(organization=org, full_name="Lee Jones", email="lee@acme.test")
    admin_client.post(f"/acme/people/{lee.pk}/invite/")
    Invitation.objects.filter(person=lee).update(email_status=EmailStatus.RETRYING)
    page = admin_client.get("/acme/people/").content.decode()
    assert "e-mail could not be sent yet, we keep trying" in page


def test_an_invitation_e_mail_leaves_only_once_its_transaction_commits(
    admin_client: Client,
    org: Organization,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    queued: list[mail.QueuedEmail] = []
    monkeypatch.setattr(mail, "on_commit", QUEUE_ON_COMMIT)
    monkeypatch.setattr(mail, "deliver", queued.append)
    lee = PersonFactory.create(organization=org, full_name="Lee Jones", email="lee@acme.test")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client.post(f"/acme/people/{lee.pk}/invite/")
    assert queued == [] and outbox.outbox == []  # nothing sent while the transaction may still roll back
    for callback in callbacks:
        callback()
    invitation = Invitation.objects.get(person=lee)
    assert [(m["recipients"], m["invitation_id"]) for m in queued] == [(["lee@acme.test"], invitation.pk)]


def test_a_withdrawn_invitation_s_queued_e_mail_is_not_sent(
    admin_client: Client, org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[mail.QueuedEmail] = []
    monkeypatch.setattr(mail, "deliver", queued.append)
    lee = PersonFactory.create(organization=org, full_name="Lee Jones", email="lee@acme.test")
    admin_client.post(f"/acme/people/{lee.pk}/invite/")
    admin_client.post(f"/acme/people/{lee.pk}/revoke-invitation/")
    send_email_task.apply(kwargs=queued[0])
    assert outbox.outbox == []


@pytest.mark.usefixtures("task_queue")
def test_with_the_mail_server_down_signing_up_answers_check_your_mailbox(
    db: None,
    client: Client,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.EMAIL_BACKEND = DOWN
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    assert PendingSignup.objects.count() == 1
    assert mail_backends.DownBackend.attempts == MAIL_RETRIES + 1


@pytest.mark.usefixtures("task_queue")
def test_with_the_mail_server_down_a_password_reset_answers_as_usual(
    client: Client,
    org: Organization,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    MemberFactory.create(organization=org, email="ada@acme.test")
    settings.EMAIL_BACKEND = DOWN
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "ada@acme.test"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert mail_backends.DownBackend.attempts == MAIL_RETRIES + 1
