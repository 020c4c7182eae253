from django.contrib import admin

from .models import Assignment, Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "start_date", "end_date", "archived")
    list_filter = ("organization", "archived")
    search_fields = ("name",)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("person", "project", "start_date", "end_date", "hours_per_day", "origin", "trimmed")
    list_filter = ("organization", "origin")
    raw_id_fields = ("project", "person")
