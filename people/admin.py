from django.contrib import admin

from .models import Organization, Person


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
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
