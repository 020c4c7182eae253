from .roles import NAVIGATION, Role
from .tenancy import memberships


def tenant(request):
    """The header's organization, role switcher and navigation, on every page of an organization.

    Worked out once a request: a page made of panels renders several templates with the request.
    """
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {}
    known = getattr(request, "_tenant_context", None)
    if known is None:
        known = request._tenant_context = _context(request, tenant)
    return known


def _context(request, tenant):
    return {
        "tenant": tenant,
        "org": tenant.organization,
        "role_choices": [(role, Role(role).label) for role in tenant.roles],
        "active_role_label": Role(tenant.active_role).label if tenant.active_role else "",
        "navigation": NAVIGATION.get(tenant.active_role, ()),
        "other_memberships": [
            m for m in memberships(request.user) if m.organization_id != tenant.organization.id
        ],
    }
