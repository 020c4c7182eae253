"""Installing, checking, re-authorizing and uninstalling Hubstaff for an organization (services: the writes).

Views and commands call these; the OAuth steps themselves are in integrations/hubstaff/oauth.py and every
Hubstaff request goes through integrations/hubstaff/client.py.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations.hubstaff import mapping, oauth
from integrations.hubstaff.client import HubstaffClient
from integrations.hubstaff.errors import HubstaffError, describe_token_error
from integrations.hubstaff.tokens import request_token_refresh, store_tokens
from integrations.models import HubstaffProject, Installation
from people.models import Organization

from . import live

logger = logging.getLogger(__name__)

PROJECT_BATCH = 500


@transaction.atomic
@sensitive_variables()
def save_credentials(
    organization: Organization,
    *,
    client_id: str,
    client_secret: str = "",
    user: User | AnonymousUser | None = None,
) -> Installation:
    """Store the Hubstaff app's Client ID and secret (encrypted) before the browser goes to Hubstaff.

    An empty secret keeps the saved one (only for the same Client ID). A different Client ID starts a new
    installation: tokens issued to the old app are forgotten, since Hubstaff ties them to that app.
    """
    installation, _ = Installation.objects.select_for_update().get_or_create(
        organization=organization, provider=Installation.Provider.HUBSTAFF
    )
    if installation.client_id != client_id:
        installation.access_token = ""
        installation.refresh_token = ""
        installation.access_token_expires_at = None
        installation.status = Installation.Status.PENDING
        installation.status_reason = ""
        installation.client_secret = client_secret
    elif client_secret:
        installation.client_secret = client_secret
    installation.client_id = client_id
    if installation.installed_by is None and user is not None and user.is_authenticated:
        installation.installed_by = user
    installation.save()
    return installation


def forget_client_secret(installation: Installation) -> Installation:
    """Hubstaff rejected the secret: drop it, so that the install form asks for it again rather than offering
    to keep a secret that does not work."""
    installation.client_secret = ""
    installation.save(update_fields=["client_secret"])
    return installation


@sensitive_variables()
def complete_authorization(
    installation: Installation,
    *,
    code: str,
    pending: dict[str, Any],
    user: User | AnonymousUser | None = None,
) -> Installation:
    """Finish the OAuth flow: exchange the code, verify the ID token, check the API, mark installed."""
    token = oauth.exchange_code(installation, code, pending)
    oauth.validate_id_token(token.get("id_token"), client_id=installation.client_id, nonce=pending["nonce"])
    return finish_install(installation, token, user=user)


@sensitive_variables("token")
def finish_install(
    installation: Installation, token: dict[str, Any], *, user: User | AnonymousUser | None = None
) -> Installation:
    """Save fresh tokens, then prove they work with a real API call (/users/me, /organizations).

    Until that check passes the installation stays *waiting for authorization*, with the reason.
    """
    with transaction.atomic():
        installation = Installation.objects.select_for_update().get(pk=installation.pk)
        store_tokens(installation, token)
        installation.status = Installation.Status.PENDING
        installation.status_reason = ""
        installation.rate_limited_until = None
        installation.save()
    try:
        check_installation(installation)
    except HubstaffError as exc:
        Installation.objects.filter(pk=installation.pk).update(status_reason=str(exc))
        installation.status_reason = str(exc)
        raise
    installation.status = Installation.Status.INSTALLED
    installation.status_reason = ""
    installation.installed_at = timezone.now()
    if user is not None and user.is_authenticated:
        installation.installed_by = user
    installation.save(update_fields=["status", "status_reason", "installed_at", "installed_by", "updated_at"])
    logger.info(
        "hubstaff installed for organization %s (installation %s)",
        installation.organization_id,
        installation.pk,
    )
    try:
        refresh_hubstaff_projects(installation)
    except HubstaffError as exc:  # the install itself worked; the project list can be refreshed later
        logger.warning("hubstaff installation %s: projects not refreshed: %s", installation.pk, exc)
    # Live updates: a worker subscribes the webhooks (their verification POST comes back to this site).
    live.send_subscribe(installation)
    return installation


def check_installation(installation: Installation, client: HubstaffClient | None = None) -> Installation:
    """Ask Hubstaff who we are and which organizations we reach, and record it on the installation."""
    client = client or HubstaffClient(installation)
    user = client.me()
    organizations = [mapping.organization(o) for o in client.organizations()]
    installation.account = mapping.account(user)
    installation.hubstaff_organizations = organizations
    installation.save(update_fields=["account", "hubstaff_organizations", "updated_at"])
    return installation


def refresh_hubstaff_projects(installation: Installation, client: HubstaffClient | None = None) -> int:
    """Re-read the projects of every Hubstaff organization the installation reaches into HubstaffProject.

    Projects that Hubstaff no longer lists are removed from the cache (project links keep their ids).
    Returns how many projects are cached now.
    """
    client = client or HubstaffClient(installation)
    started = timezone.now()
    organizations = [mapping.organization(o) for o in client.organizations()]
    seen = 0
    for organization in organizations:
        batch: list[HubstaffProject] = []
        for project in client.projects(organization["id"], status="all"):
            batch.append(
                HubstaffProject(
                    organization_id=installation.organization_id,
                    installation=installation,
                    refreshed_at=started,
                    **mapping.project_fields(project, organization),
                )
            )
            if len(batch) >= PROJECT_BATCH:
                seen += _upsert_projects(batch)
                batch = []
        seen += _upsert_projects(batch)
    HubstaffProject.objects.filter(installation=installation, refreshed_at__lt=started).delete()
    Installation.objects.filter(pk=installation.pk).update(hubstaff_organizations=organizations)
    installation.hubstaff_organizations = organizations
    return seen


def refresh_installed_projects(installation_id: int) -> int:
    """Refresh the Hubstaff projects of an installation that is installed (Hubstaff's project.create event)."""
    installation = Installation.objects.filter(pk=installation_id).first()
    if installation is None or not installation.is_installed:
        return 0
    return refresh_hubstaff_projects(installation)


def _upsert_projects(batch: list[HubstaffProject]) -> int:
    if batch:
        HubstaffProject.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["installation", "hubstaff_id"],
            update_fields=[
                "name",
                "status",
                "hubstaff_organization_id",
                "hubstaff_organization_name",
                "refreshed_at",
            ],
        )
    return len(batch)


@sensitive_variables("personal_access_token", "token")
def connect_with_personal_access_token(
    organization: Organization, personal_access_token: str, *, user: User | AnonymousUser | None = None
) -> Installation:
    """Install Hubstaff headlessly with a personal access token (a long-lived refresh token; no OAuth app).

    The token is exchanged at the token endpoint without client credentials, like Hubstaff's public PAT clients.
    """
    with transaction.atomic():
        installation, _ = Installation.objects.select_for_update().get_or_create(
            organization=organization, provider=Installation.Provider.HUBSTAFF
        )
        installation.client_id = ""
        installation.client_secret = ""
        installation.save()
    from oauthlib.oauth2 import OAuth2Error

    try:
        token = request_token_refresh(installation, personal_access_token)
    except OAuth2Error as exc:
        raise HubstaffError(
            f"Hubstaff did not accept the personal access token ({describe_token_error(exc)})."
        ) from None
    return finish_install(installation, token, user=user)


def uninstall(installation: Installation) -> None:
    """Forget the credentials and tokens (and the cached Hubstaff projects).

    Project links stay, so that a new install picks them up, but nothing syncs without an installation; work
    logs already synced stay until a manager clears them.
    """
    logger.info(
        "hubstaff uninstalled for organization %s (installation %s)",
        installation.organization_id,
        installation.pk,
    )
    # One attempt per webhook: uninstall does not wait on Hubstaff (a webhook left there posts to a key that no
    # installation has any more, and is refused).
    live.unsubscribe(installation, retry=False)
    installation.delete()
