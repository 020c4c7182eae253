from django.contrib import admin

from .models import Invitation, Organization, Person


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    list_display = (
        "full_name",
        "email",
        "organization",
        "is_administrator",
        "is_manager",
        "is_employee",
        "user",
    )
    list_filter = ("organization", "is_administrator", "is_manager", "is_employee")
    search_fields = ("full_name", "email")
    raw_id_fields = ("user",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    list_display = ("email", "organization", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("organization",)
    search_fields = ("email",)
    raw_id_fields = ("person", "invited_by")
    # The digest is useless to anybody; nothing here can make a working link.
    exclude = ("key_digest",)
