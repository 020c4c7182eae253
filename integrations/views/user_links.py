"""Linking a Hubstaff user to a person by hand ("This is ..." in the missing teammates), and removing the link."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from people import audit
from people.models import Person
from people.tenancy import TenantRequest, tenant_view
from projects.models import Project

from ..models import HubstaffUserLink
from ..services.user_links import LINK_ROLES, link_user, may_change_links, remove_link

# The person's page lists this many of the newest audit trail entries about them.
AUDIT_ENTRIES_SHOWN = 50


@tenant_view(*LINK_ROLES)
@require_POST
def link_hubstaff_user(request: TenantRequest, project_id: int) -> HttpResponse:
    """From a project's missing teammates: the Hubstaff user is the chosen person (looked up in this organization)."""
    project = request.tenant.get(Project, project_id)
    try:
        link = link_user(
            request.tenant.organization,
            hubstaff_user_id=request.POST.get("hubstaff_user_id"),
            person_id=request.POST.get("person"),
            name=request.POST.get("name", ""),
            actor=request.tenant.person,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"Hubstaff user {link.hubstaff_user_name or link.hubstaff_user_id} is now linked to "
            f"{link.person.full_name}. Sync again to bring their time in. {link.person.full_name} is told by "
            "e-mail, and the change is in the organization's audit trail.",
        )
    return redirect("projects:detail", org_slug=request.tenant.organization.slug, project_id=project.pk)


@tenant_view(*LINK_ROLES)
@require_POST
def unlink_hubstaff_user(request: TenantRequest, link_id: int) -> HttpResponse:
    """Remove a kept match (made by hand or by e-mail): later syncs match that Hubstaff user by e-mail again (no work
    log changes until then; the person's page says what the next sync does)."""
    link = request.tenant.get(HubstaffUserLink, link_id)
    person = link.person
    remove_link(link, actor=request.tenant.person)
    messages.success(
        request,
        f"Hubstaff user {link.hubstaff_user_name or link.hubstaff_user_id} is no longer matched to "
        f"{person.full_name}. The next sync matches them by e-mail again. {person.full_name} is told by e-mail, "
        "and the change is in the organization's audit trail.",
    )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("people:edit", org_slug=request.tenant.organization.slug, person_id=person.pk)


def person_links_panel(request: TenantRequest, person: Person) -> str | None:
    """The person's page: the Hubstaff users matched to them and how (by e-mail, by hand), each with Remove for a
    member who may remove links; and the organization's audit trail of who linked or unlinked whom, for each
    change that gave this person's time to someone or someone's time to this person."""
    links = (
        request.tenant.scope(HubstaffUserLink)
        .filter(person=person)
        .order_by("made_by", "hubstaff_user_name", "pk")
    )
    entries = list(audit.entries_about(request.tenant.organization, person)[:AUDIT_ENTRIES_SHOWN])
    if not links and not entries:
        return None
    context = {
        "person": person,
        "links": links,
        "audit_entries": entries,
        "may_remove": may_change_links(request.tenant.person),
    }
    return render_to_string("integrations/person_links.html", context, request=request)


def link_choices(
    request: TenantRequest, teammates: Iterable[Mapping[str, Any]]
) -> tuple[list[tuple[int, str, str]], dict[int, str]]:
    """For the missing teammates box: the people to choose from, and who each listed user is already linked to."""
    ids: list[int] = [t["hubstaff_user_id"] for t in teammates if t.get("hubstaff_user_id")]
    links = request.tenant.scope(HubstaffUserLink).filter(hubstaff_user_id__in=ids)
    linked = dict(links.values_list("hubstaff_user_id", "person__full_name"))
    people = request.tenant.scope(Person).order_by("full_name", "id").values_list("pk", "full_name", "email")
    return list(people), linked
