from typing import Any

from django.http import HttpRequest

from .roles import NAVIGATION, Role
from .tenancy import Tenant, TenantRequest, has_tenant, memberships


def tenant(request: HttpRequest) -> dict[str, Any]:
    """The header's organization, role switcher and navigation, on every page of an organization.

    Worked out once a request: a page made of panels renders several templates with the request.
    """
    if not has_tenant(request):
        return {}
    known: dict[str, Any] | None = getattr(request, "_tenant_context", None)
    if known is None:
        # A cache of this request's own, set here only.
        known = request._tenant_context = _context(request, request.tenant)  # type: ignore[attr-defined]
    return known


def _context(request: TenantRequest, tenant: Tenant) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "org": tenant.organization,
        "role_choices": [(role, Role(role).label) for role in tenant.roles],
        "active_role_label": Role(tenant.active_role).label if tenant.active_role else "",
        "navigation": NAVIGATION.get(tenant.active_role or "", ()),
        "other_memberships": [
            m for m in memberships(request.user) if m.organization_id != tenant.organization.id
        ],
    }
