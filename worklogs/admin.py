from django.contrib import admin

from .models import WorkLog


@admin.register(WorkLog)
class WorkLogAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in the stubs only
    list_display = ("person", "project", "date", "duration_seconds", "source", "source_project_id")
    list_filter = ("organization", "source")
    date_hierarchy = "date"
    raw_id_fields = ("project", "person", "assignment")
    search_fields = ("person__full_name", "source_key")
