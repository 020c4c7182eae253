"""Linking a Hubstaff user to a person by hand ("This is ..." in the missing teammates), and removing the link;
the missing teammates as they stand now (people added or linked since the sync, a person their name plainly
gives)."""

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from people import audit
from people.models import Person
from people.tenancy import TenantRequest, tenant_view
from people.warnings import register_email_change_warning
from projects.models import Project

from ..models import HubstaffUserLink
from ..services.email_change import after_link_removed, email_change_sentences
from ..services.user_links import LINK_ROLES, link_user, may_change_links, remove_link

# The person's page lists this many of the newest audit trail entries about them.
AUDIT_ENTRIES_SHOWN = 50

# The person's form says, beside the e-mail, what changing it does to their synced hours (people/warnings.py).
register_email_change_warning(email_change_sentences)


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
    # Back where the Manager was: the missing teammates, now saying who the user is.
    url = reverse("projects:detail", args=[request.tenant.organization.slug, project.pk])
    return redirect(url + "#missing-teammates")


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
    links = list(
        request.tenant.scope(HubstaffUserLink)
        .filter(person=person)
        .select_related("person")
        .order_by("made_by", "hubstaff_user_name", "pk")
    )
    entries = list(audit.entries_about(request.tenant.organization, person)[:AUDIT_ENTRIES_SHOWN])
    # Before an e-mail is changed or a match removed: what the next sync would do to their synced hours.
    email_change = email_change_sentences(person)
    if not links and not entries and not email_change:
        return None
    context = {
        "person": person,
        "links": [(link, "; ".join(h.sentence() for h in after_link_removed(link))) for link in links],
        "audit_entries": entries,
        "may_remove": may_change_links(request.tenant.person),
        "email_change": email_change,
    }
    return render_to_string("integrations/person_links.html", context, request=request)


def plain_name(name: str) -> str:
    """A name as compared for a suggestion: accents, case and spacing aside ("  dána  GHOST" -> "dana ghost")."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.casefold().split())


@dataclass
class MissingNow:
    """A sync's missing teammates as they stand now, for the panel and its Add all / Link all suggested.

    `missing`: still missing, each with `linked_to` (a Manager's "This is ..." since) and `suggested` (the one
    person whose name is plainly theirs, as (id, name, e-mail)); `added`: people added since the sync with the
    teammate's e-mail, no longer missing (their time comes with the next sync). `people`: whom "This is ..."
    offers; a teammate still missing has an e-mail nobody has, so none of them is offered themselves."""

    missing: list[dict[str, Any]] = field(default_factory=list)
    added: list[dict[str, Any]] = field(default_factory=list)
    people: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def addable(self) -> list[dict[str, Any]]:
        """Teammates Add all adds: an e-mail, no person, no kept match, and no person their name gives (likely the
        same person under another e-mail: linked, not added twice)."""
        return [t for t in self.missing if t.get("email") and not t["linked_to"] and not t["suggested"]]

    @property
    def suggested(self) -> list[dict[str, Any]]:
        """Teammates Link all suggested links: a suggestion, no kept match."""
        return [t for t in self.missing if t["suggested"] and not t["linked_to"]]


def missing_now(request: TenantRequest, teammates: Iterable[Mapping[str, Any]]) -> MissingNow:
    """Match a sync's missing teammates again with the organization's people as they are now: by e-mail (trimmed,
    any case: the sync's own rule), by a kept match, and by name for a suggestion."""
    listed = list(teammates)
    people = list(
        request.tenant.scope(Person).order_by("full_name", "id").values_list("pk", "full_name", "email")
    )
    by_email = {email.strip().casefold(): (pk, name) for pk, name, email in people if email}
    by_name: dict[str, list[tuple[int, str, str]]] = {}
    for pk, name, email in people:
        by_name.setdefault(plain_name(name), []).append((pk, name, email))
    ids: list[int] = [t["hubstaff_user_id"] for t in listed if t.get("hubstaff_user_id")]
    linked = dict(
        request.tenant.scope(HubstaffUserLink)
        .filter(hubstaff_user_id__in=ids)
        .values_list("hubstaff_user_id", "person__full_name")
    )
    now = MissingNow(people=people)
    for teammate in listed:
        email = (teammate.get("email") or "").strip().casefold()
        if email and email in by_email:
            now.added.append({**teammate, "person_id": by_email[email][0], "person_name": by_email[email][1]})
            continue
        same_name = by_name.get(plain_name(teammate.get("name") or ""), []) if teammate.get("name") else []
        now.missing.append(
            {
                **teammate,
                "linked_to": linked.get(teammate.get("hubstaff_user_id") or 0),
                # Only a name that gives one person is a suggestion; two Dana Ghosts are for a Manager to tell.
                "suggested": same_name[0] if len(same_name) == 1 else None,
            }
        )
    return now
