from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_start, name="import-start"),
    path("confirm/", views.import_confirm, name="import-confirm"),
    path("template/<str:resource>.xlsx", views.import_template, name="import-template"),
]
