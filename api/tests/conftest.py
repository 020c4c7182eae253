"""API clients signed in by token, one per role, and a helper for the organization's API URLs."""

import pytest
from rest_framework.test import APIClient

from conftest import token_client
from people.roles import Role


@pytest.fixture
def anonymous_api():
    return APIClient()


@pytest.fixture
def admin_api(admin):
    return token_client(admin)


@pytest.fixture
def manager_api(manager):
    return token_client(manager)


@pytest.fixture
def employee_api(employee):
    return token_client(employee)


@pytest.fixture
def other_manager(other_org, make_member):
    return make_member(
        other_org, Role.MANAGER, Role.ADMINISTRATOR, full_name="Gus Globex", email="gus@globex.test"
    )


def url(path, org_slug="acme"):
    return f"/api/v1/orgs/{org_slug}/{path}"
