from django.urls import path

from . import views

urlpatterns = [
    path("", views.visit_list, name="visit-list"),
    path("print/", views.visit_print, name="visit-print"),
    path("new/", views.visit_create, name="visit-create"),
    path("<int:pk>/", views.visit_detail, name="visit-detail"),
    path("<int:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("<int:pk>/findings/", views.visit_findings, name="visit-findings"),
]
