"""The reporting-cycle settings pages, under /reports/settings/."""

from django.urls import path

from . import settings_views as views

urlpatterns = [
    path("", views.cycle_settings, name="cycle-settings"),
    path("calendar/", views.calendar_save, name="cycle-settings-calendar"),
    path("holidays/", views.holiday_add, name="cycle-settings-holiday-add"),
    path("holidays/<int:pk>/delete/", views.holiday_delete, name="cycle-settings-holiday-delete"),
    path("missions/", views.mission_add, name="cycle-settings-mission-add"),
    path("missions/copy/", views.missions_copy, name="cycle-settings-missions-copy"),
    path("missions/<int:pk>/", views.mission_edit, name="cycle-settings-mission-edit"),
    path("headings/<int:pk>/", views.heading_edit, name="cycle-settings-heading-edit"),
    path("indicators/", views.indicator_add, name="cycle-settings-indicator-add"),
    path("indicators/<int:pk>/", views.indicator_edit, name="cycle-settings-indicator-edit"),
    path("reopen/", views.reopen, name="cycle-settings-reopen"),
]
