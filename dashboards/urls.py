from django.urls import path

from . import exports, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", exports.export, name="dashboard-export"),
    path("national/", views.national, name="dashboard-national"),
    path("national/export.xlsx", exports.national_export, name="dashboard-national-export"),
]
