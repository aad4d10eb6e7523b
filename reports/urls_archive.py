"""The monthly report archive, under /reports/monthly/ (reports/archive_views.py)."""

from django.urls import path

from . import archive_views as views

urlpatterns = [
    path("", views.report_archive, name="report-archive"),
    path("build/", views.report_rebuild, name="report-rebuild"),
    path("settings/", views.report_settings_save, name="report-archive-settings"),
    path("compare/", views.report_diff, name="report-diff"),
    path("<int:pk>/status/", views.report_status, name="report-status"),
    path("<int:pk>/<str:fmt>/", views.report_download, name="report-download"),
]
