from django.urls import path

from . import views

urlpatterns = [
    path("", views.household_list, name="household-list"),
    path("export.xlsx", views.household_export, name="household-export"),
    path("new/", views.household_create, name="household-create"),
    path("progress/", views.progress, name="household-progress"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/new/", views.team_create, name="team-create"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team-edit"),
    path("assistance/bulk/", views.assistance_bulk, name="assistance-bulk"),
    path("photos/<int:pk>/", views.assistance_photo, name="assistance-photo"),
    path("<str:house_code>/", views.household_detail, name="household-detail"),
    path("<str:house_code>/edit/", views.household_edit, name="household-edit"),
    path("<str:house_code>/plan/", views.plan_edit, name="household-plan"),
    path("<str:house_code>/assistance/new/", views.assistance_create, name="assistance-create"),
    path("<str:house_code>/national-id/", views.national_id_reveal, name="national-id-reveal"),
]
