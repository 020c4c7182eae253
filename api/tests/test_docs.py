"""/api/schema/ and /api/docs/: the OpenAPI schema, and Swagger UI working under the site's CSP."""

import re

from django.contrib.staticfiles import finders
from django.test import Client


def test_schema_is_openapi_3_and_lists_the_contract(db):
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/v1/orgs/{org_slug}/people/",
        "/api/v1/orgs/{org_slug}/people/{person_id}/",
        "/api/v1/orgs/{org_slug}/projects/",
        "/api/v1/orgs/{org_slug}/projects/{project_id}/",
        "/api/v1/orgs/{org_slug}/projects/{project_id}/assignments/",
        "/api/v1/orgs/{org_slug}/projects/{project_id}/assignments/{assignment_id}/",
        "/api/v1/orgs/{org_slug}/assignments/{assignment_id}/",
        "/api/v1/orgs/{org_slug}/projects/{project_id}/worklogs/",
        "/api/v1/orgs/{org_slug}/projects/{project_id}/hubstaff/",
        "/api/v1/orgs/{org_slug}/projects/{project_id}/hubstaff/sync/",
        "/api/v1/orgs/{org_slug}/projects/{project_id}/hubstaff/clear/",
        "/api/v1/orgs/{org_slug}/projects/{project_id}/sync-runs/",
        "/api/v1/orgs/{org_slug}/sync-runs/{run_id}/",
        "/api/v1/orgs/{org_slug}/integrations/hubstaff/",
        "/api/v1/orgs/{org_slug}/integrations/hubstaff/projects/",
    ):
        assert path in paths, path
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    sync = paths["/api/v1/orgs/{org_slug}/projects/{project_id}/hubstaff/sync/"]["post"]
    assert {"202", "400", "401", "403", "404", "409"} <= set(sync["responses"])
    worklog_params = {
        p["name"]
        for p in paths["/api/v1/orgs/{org_slug}/projects/{project_id}/worklogs/"]["get"]["parameters"]
    }
    assert {"person", "date_after", "date_before", "source", "page", "page_size"} <= worklog_params


def test_docs_page_loads_only_our_own_files_and_no_inline_code(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "<style" not in page and not re.search(r"<script>\s*\S", page) and " style=" not in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert any("swagger-ui-bundle.js" in s for s in sources)


def test_swagger_ui_files_are_served_from_our_static_files():
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}"), (
            "drf_spectacular_sidecar must be in INSTALLED_APPS"
        )


def test_docs_start_up_script_is_javascript_pointing_at_the_schema(db):
    response = Client().get("/api/docs/", {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()
