"""Every error under /api/ is JSON, also those Django makes outside DRF (primetric.middleware.ApiJsonErrorsMiddleware),
and a manual work log's note is bounded."""

import json

import pytest
from django.test import Client

from api.tests.conftest import url
from conftest import token_client
from tests.factories import AssignmentFactory
from worklogs.models import NOTE_MAX_LENGTH, WorkLog


def api_client(person):
    client = token_client(person)
    client.raise_request_exception = False
    return client


def assert_json_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json", response.content[:300]
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"]
    assert b"<html" not in response.content.lower() and b"traceback" not in response.content.lower()
    return body


@pytest.mark.parametrize("debug", [False, True])
def test_a_ten_megabyte_json_body_is_a_json_413(manager, project, settings, debug):
    settings.DEBUG = debug
    body = json.dumps({"person": manager.pk, "date": "2026-02-02", "hours": 1, "note": "x" * 10_000_000})
    response = api_client(manager).post(
        url(f"projects/{project.pk}/worklogs/"), body, content_type="application/json"
    )
    detail = assert_json_error(response, 413)["detail"]
    assert "larger than the limit" in detail
    assert response["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in response
    assert not WorkLog.objects.exists()


@pytest.mark.parametrize("debug", [False, True])
def test_a_bad_host_header_is_a_json_400(manager, settings, debug):
    settings.DEBUG = debug
    response = api_client(manager).get(url(""), HTTP_HOST="evil.example")
    assert_json_error(response, 400)


@pytest.mark.parametrize("debug", [False, True])
def test_a_crash_in_an_api_view_is_a_json_500_without_the_traceback(manager, settings, monkeypatch, debug):
    from api.views.orgs import OrganizationList

    def crash(*args, **kwargs):
        raise RuntimeError("internal detail zq9")

    settings.DEBUG = debug
    monkeypatch.setattr(OrganizationList, "list", crash)
    response = api_client(manager).get("/api/v1/orgs/")
    assert_json_error(response, 500)
    assert b"zq9" not in response.content


def test_a_crash_in_a_middleware_is_a_json_500(manager, settings, monkeypatch):
    from django.contrib.messages.middleware import MessageMiddleware

    def crash(self, request):
        raise RuntimeError("middleware detail zq9")

    monkeypatch.setattr(MessageMiddleware, "process_request", crash)
    response = Client(raise_request_exception=False).get("/api/v1/orgs/")
    assert_json_error(response, 500)


def test_a_permission_denied_outside_drf_is_a_json_403(manager, monkeypatch):
    from django.contrib.messages.middleware import MessageMiddleware
    from django.core.exceptions import PermissionDenied

    def refuse(self, request):
        raise PermissionDenied

    monkeypatch.setattr(MessageMiddleware, "process_request", refuse)
    assert_json_error(Client().get("/api/v1/orgs/"), 403)


def test_api_paths_without_a_route_are_json_404s(manager):
    assert_json_error(api_client(manager).get("/api/v1/nothing-here/"), 404)


def test_pages_outside_the_api_keep_their_html_errors(admin_client):
    response = admin_client.get("/acme/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# --- a manual work log's note


def post_log(manager, project, note):
    AssignmentFactory(project=project, person=manager)
    return api_client(manager).post(
        url(f"projects/{project.pk}/worklogs/"),
        {"person": manager.pk, "date": "2026-02-02", "hours": "1", "note": note},
        format="json",
    )


def test_a_note_of_the_maximum_length_is_accepted(manager, project):
    response = post_log(manager, project, "n" * NOTE_MAX_LENGTH)
    assert response.status_code == 201, response.json()
    assert len(WorkLog.objects.get().note) == NOTE_MAX_LENGTH


def test_a_megabyte_note_is_refused_by_the_api_with_a_clear_message(manager, project):
    response = post_log(manager, project, "n" * 1_000_000)
    assert response.status_code == 400
    assert response.json()["note"] == ["A note can be at most 2,000 characters long."]
    assert not WorkLog.objects.exists()


def test_a_long_note_is_refused_by_the_log_time_page(manager_client, manager, project):
    response = manager_client.post(
        f"/acme/projects/{project.pk}/worklogs/new/",
        {"person": manager.pk, "date": "2026-02-03", "hours": "1", "note": "n" * (NOTE_MAX_LENGTH + 1)},
    )
    assert response.status_code == 200
    assert "A note can be at most 2,000 characters long (this one has 2001)." in response.content.decode()
    assert 'maxlength="2000"' in response.content.decode()
    assert not WorkLog.objects.exists()
