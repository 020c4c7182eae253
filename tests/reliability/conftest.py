"""Fixtures of the reliability suite: the session's Hubstaff sandbox (demo data, the root conftest's `sandbox`), an
installed organization, Project A linked.

Hubstaff retry settings are small here so that storms, 5xx bursts and timeouts take a second, not minutes.
"""

import json
from datetime import date

import pytest
from django.core.cache import cache

from conftest import point_hubstaff_at
from hubstaff_sandbox.testing import DEMO_SCENARIO
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory

DEMO = json.loads(DEMO_SCENARIO.read_text())


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "load: the load test (many organizations, two real workers); CI runs it"
    )


@pytest.fixture
def hs(sandbox, settings):
    """The sandbox with fresh demo data, no faults, every Hubstaff setting pointing at it and quick retries."""
    point_hubstaff_at(settings, sandbox, HUBSTAFF_MAX_RETRY_AFTER=1.0, HUBSTAFF_REQUEST_TIMEOUT=5.0)
    sandbox.reset_faults()
    sandbox.load(DEMO)
    sandbox.reset_stats()
    yield sandbox
    sandbox.reset_faults()
    cache.clear()


@pytest.fixture
def installed(org, hs):
    from integrations.services.installation import connect_with_personal_access_token

    return connect_with_personal_access_token(org, hs.create_pat("alice@acme.test"))


@pytest.fixture
def people(org):
    return {
        "bobby": PersonFactory(organization=org, full_name="Bobby Brown", email="bobby@acme.test"),
        "sam": PersonFactory(organization=org, full_name="Sam Smith", email="sam@acme.test"),
    }


@pytest.fixture
def project_a(org, people, installed, hs):
    """Project A (1 Jan - 22 Sep 2026) linked to Hubstaff's Project A; Bobby assigned by hand, Sam not."""
    from integrations.services.links import update_link

    project = ProjectFactory(
        organization=org, name="Project A", start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    AssignmentFactory(
        project=project, person=people["bobby"], start_date=date(2026, 1, 1), end_date=date(2026, 9, 22)
    )
    update_link(
        project,
        enabled=True,
        hubstaff_project_ids=[hs.ids()["projects"]["Project A"]],
        prevent_new_assignments=False,
        trim_assignments=False,
    )
    return project
