"""Django admin for operators. Secrets (client secret, tokens) are never shown nor editable here."""

from django.contrib import admin
from django.forms import Form
from django.http import HttpRequest

from .models import HubstaffProject, Installation, ProjectLink, SyncRun
from .project_forms import ProjectLinkForm
from .services.links import update_link

SECRET_FIELDS = ("client_secret", "access_token", "refresh_token")


@admin.register(Installation)
class InstallationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    list_display = (
        "organization",
        "provider",
        "status",
        "client_id",
        "installed_at",
        "last_refreshed_at",
        "rate_limited_until",
    )
    list_filter = ("provider", "status")
    search_fields = ("organization__name", "organization__slug", "client_id")
    exclude = SECRET_FIELDS
    readonly_fields = (
        "organization",
        "provider",
        "client_id",
        "scope",
        "account",
        "hubstaff_organizations",
        "installed_by",
        "installed_at",
        "last_refreshed_at",
        "access_token_expires_at",
        "created_at",
        "updated_at",
    )
    fields = (
        "organization",
        "provider",
        "status",
        "status_reason",
        "client_id",
        "scope",
        "account",
        "hubstaff_organizations",
        "installed_by",
        "installed_at",
        "last_refreshed_at",
        "access_token_expires_at",
        "rate_limited_until",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # installs go through the Integrations page or `manage.py hubstaff_connect`


@admin.register(HubstaffProject)
class HubstaffProjectAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    list_display = (
        "name",
        "hubstaff_id",
        "hubstaff_organization_name",
        "status",
        "organization",
        "refreshed_at",
    )
    list_filter = ("organization", "status")
    search_fields = ("name", "hubstaff_organization_name")
    raw_id_fields = ("installation",)


@admin.register(ProjectLink)
class ProjectLinkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    """The settings through the panel's form and update_link, so that their checks and the linked Hubstaff
    projects hold here too; the rest is the sync's bookkeeping, read only."""

    form = ProjectLinkForm
    list_display = (
        "project",
        "organization",
        "enabled",
        "prevent_new_assignments",
        "trim_assignments",
        "last_synced_at",
        "next_sync_due_at",
    )
    list_filter = ("organization", "enabled")
    readonly_fields = (
        "project",
        "organization",
        "synced_through",
        "last_synced_at",
        "next_sync_due_at",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a project is linked on its page (Integration settings) or through the API

    def save_model(self, request: HttpRequest, obj: ProjectLink, form: Form, change: bool) -> None:
        update_link(obj.project, **form.cleaned_data)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    list_display = (
        "project",
        "organization",
        "mode",
        "trigger",
        "status",
        "queued_at",
        "finished_at",
        "requests_made",
    )
    list_filter = ("organization", "status", "mode", "trigger")
    raw_id_fields = ("project", "requested_by")
    date_hierarchy = "queued_at"
