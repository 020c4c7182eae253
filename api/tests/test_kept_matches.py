"""Kept matches in the API: a sync run's kept matches, and how each user link was made (read-only)."""

from api.tests.conftest import url
from integrations.models import HubstaffUserLink, SyncRun
from tests.factories import PersonFactory

KEPT = {
    "hubstaff_user_id": 42,
    "name": "Dana Ghost",
    "email": "",
    "person_id": 9,
    "person_name": "Dana Green",
    "seconds": 61200,
    "reason": "no visible e-mail in Hubstaff",
}


def test_a_runs_kept_matches_are_read(manager_api, project):
    run = SyncRun.objects.create(
        organization=project.organization,
        project=project,
        mode="reset",
        status="succeeded",
        kept_matches=[KEPT],
    )
    assert manager_api.get(url(f"sync-runs/{run.pk}/")).json()["kept_matches"] == [KEPT]


def test_a_link_says_how_it_was_made_and_the_api_makes_them_by_hand(manager_api, org):
    dana = PersonFactory(organization=org, full_name="Dana Green")
    kept = HubstaffUserLink.objects.create(
        organization=org,
        hubstaff_user_id=42,
        person=dana,
        made_by="email",
        hubstaff_user_email="dana@elsewhere.test",
    )
    made = manager_api.post(
        url("hubstaff/user-links/"),
        {"hubstaff_user_id": 43, "person": dana.pk, "made_by": "email", "hubstaff_user_email": "x@y.test"},
        format="json",
    ).json()
    assert (made["made_by"], made["hubstaff_user_email"]) == ("hand", "")
    listed = {item["id"]: item for item in manager_api.get(url("hubstaff/user-links/")).json()["results"]}
    assert (listed[kept.pk]["made_by"], listed[kept.pk]["hubstaff_user_email"]) == (
        "email",
        "dana@elsewhere.test",
    )
